#pragma once

// kubectl label KIND/NAME k=v k- [--overwrite] [--resource-version V]: a JSON merge patch of
// metadata.labels (with metadata.resourceVersion when asked, so a stale version is a 409).

#include <map>
#include <string>
#include <vector>

#include "act/action.h"
#include "act/context.h"
#include "act/target.h"

namespace keelson::act {

/// The label changes of the command line: keys to set (with values) and keys to remove.
struct LabelChanges {
  std::map<std::string, std::string> set;
  std::vector<std::string> remove;
};

/// Parses kubectl's label arguments ("k=v" sets, "k-" removes). Throws Error(kBadInput) naming
/// the argument for an invalid key (a qualified name: an optional DNS-subdomain prefix and '/',
/// then 1-63 characters of alphanumerics, '-', '_', '.'), an invalid value (at most 63 such
/// characters, alphanumeric at both ends), a key both set and removed, or no change at all.
LabelChanges parseLabelArgs(const std::vector<std::string>& args);

/// Options of label().
struct LabelOptions {
  bool overwrite = false;        ///< --overwrite: allow replacing an existing value.
  std::string resource_version;  ///< --resource-version: only if the object is at this version.
};

/// Applies `changes` to `ref`. Refused (kubectl's "'k' already has a value (v), and --overwrite
/// is false") without --overwrite when a key has another value. Summary "labeled", "unlabeled"
/// or "not labeled" as kubectl prints; removing an absent key is a warning ("label \"k\" not
/// found."). Throws ApiError like the client (409 for a stale --resource-version).
ActionResult label(ActionContext& context, const ObjectRef& ref, const LabelChanges& changes,
                   const LabelOptions& options);

}  // namespace keelson::act

#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace keelson::kube {

/// The `type` of a watch event.
enum class WatchEventType {
  kAdded,     ///< ADDED: the object was created (or existed when the watch started).
  kModified,  ///< MODIFIED: the object changed.
  kDeleted,   ///< DELETED: the object was deleted; object_json is its last state.
  kBookmark,  ///< BOOKMARK: no change; only carries a newer resourceVersion.
  kError,     ///< ERROR: object_json is a Status (Client::watch throws it as ApiError).
};

/// "ADDED", "MODIFIED", "DELETED", "BOOKMARK" or "ERROR".
std::string_view watchEventTypeName(WatchEventType type) noexcept;

/// One event of a watch stream. The views are valid only during the handler call (they point
/// into the stream buffer and the parser).
struct WatchEvent {
  WatchEventType type = WatchEventType::kAdded;  ///< What happened.
  std::string_view object_json;  ///< The raw JSON of the event's `object` (a Status for kError).
  std::string_view resource_version;  ///< object.metadata.resourceVersion; empty for kError.
};

/// Parses single watch-stream lines ({"type":"ADDED","object":{...}}) with simdjson On-Demand.
/// Keeps its buffers between calls. Not thread-safe: one parser per stream.
class WatchEventParser {
 public:
  WatchEventParser();
  ~WatchEventParser();
  WatchEventParser(const WatchEventParser&) = delete;
  WatchEventParser& operator=(const WatchEventParser&) = delete;

  /// Parses one line. The returned views stay valid until the next parse() call. Throws
  /// Error(kBadInput) when the line is not a watch event (not JSON, unknown type, no object).
  WatchEvent parse(std::string_view line);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reassembles newline-delimited records from the arbitrary chunks a stream delivers: a record
/// may span chunks and a chunk may hold many records. Blank lines are skipped. Not thread-safe.
class LineSplitter {
 public:
  /// `max_line_bytes` bounds one record (a watch event is at most a few MiB: etcd's limit).
  explicit LineSplitter(std::size_t max_line_bytes = std::size_t{64} << 20);

  /// Feeds one chunk and calls `on_line` for every line it completes (without the '\n' or a
  /// trailing '\r'). Views are valid during the call. Throws Error(kBadInput) when a line grows
  /// past max_line_bytes, and whatever `on_line` throws.
  void feed(std::string_view chunk, const std::function<void(std::string_view line)>& on_line);

  /// Delivers a last line that had no '\n' (the stream ended), if any.
  void finish(const std::function<void(std::string_view line)>& on_line);

  /// Bytes of an incomplete line held back.
  std::size_t buffered() const noexcept { return buffer_.size(); }

 private:
  std::size_t max_line_bytes_;
  std::string buffer_;  // an incomplete line
};

/// Options of Client::watch (query parameters of a `?watch=1` request).
struct WatchOptions {
  std::string resource_version;  ///< Start after this version; empty: "most recent" (the
                                 ///< server first sends ADDED for every existing object).
  bool allow_bookmarks = true;   ///< allowWatchBookmarks: let the server send BOOKMARK events.
  std::int64_t timeout_seconds = 300;  ///< timeoutSeconds: the server ends the stream after
                                       ///< this long (0: the server's default, 30-60 min).
  std::string label_selector;          ///< labelSelector, e.g. "app=web,tier!=db".
  std::string field_selector;          ///< fieldSelector, e.g. "spec.nodeName=node-1".
};

/// Receives each event of a watch; may throw to end the watch (the exception propagates).
using WatchHandler = std::function<void(const WatchEvent& event)>;

/// How a watch ended without an error.
struct WatchResult {
  std::string resource_version;  ///< The latest resourceVersion seen (events and bookmarks);
                                 ///< the one to resume from. WatchOptions' when none arrived.
  bool stopped = false;          ///< True: the stop token ended it; false: the server closed
                                 ///< the stream (timeoutSeconds passed).
};

}  // namespace keelson::kube

#pragma once

// The name of the host this process runs on, as gethostname(2) reports it: the hostname of the
// process's UTS namespace (in a pod, the pod's name unless hostNetwork is set). For the host's
// own name as the node sees it, read host::collectSystem (system_collector.h).

#include <string>

namespace keelson::host {

/// gethostname(2); "" when it fails. Thread-safe.
std::string processHostName();

}  // namespace keelson::host

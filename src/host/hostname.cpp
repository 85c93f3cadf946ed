#include "host/hostname.h"

#include <unistd.h>

#include <array>

namespace keelson::host {

std::string processHostName() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return "";
  return name.data();
}

}  // namespace keelson::host

// libFuzzer target for the kubeconfig parser (kube/kubeconfig.h): parseKubeconfig on arbitrary
// bytes must either return or throw keelson::Error; never crash, hang or throw anything else.
// Parsed documents are also merged into each other (the KUBECONFIG list path). resolveKubeconfig
// is left out: it reads the files the document names.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/error.h"
#include "kube/kubeconfig.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    keelson::kube::Kubeconfig merged = keelson::kube::parseKubeconfig(input, "/fuzz/first/config");
    keelson::kube::mergeKubeconfig(merged,
                                   keelson::kube::parseKubeconfig(input, "/fuzz/second/config"));
  } catch (const keelson::Error&) {
    // Expected for malformed input.
  }
  static_cast<void>(keelson::kube::decodeBase64(input));
  return 0;
}

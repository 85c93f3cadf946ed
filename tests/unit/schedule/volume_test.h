#pragma once

// Claims, volumes and classes for the VolumeBinding and VolumeZone tests.

#include <string>

#include "plugin_test.h"

namespace keelson::schedule::framework::testing {

/// A pod in "default" with one persistentVolumeClaim volume on `claim`.
inline kube::Pod podWithClaim(const std::string& claim) {
  auto p = pod("new");
  kube::Volume v;
  v.name = "data";
  v.type = "persistentVolumeClaim";
  v.reference = claim;
  p.spec.volumes = {v};
  return p;
}

inline kube::PersistentVolumeClaim claim(const std::string& name, const std::string& cls,
                                         const std::string& volume_name = "") {
  kube::PersistentVolumeClaim c;
  c.metadata.namespace_name = "default";
  c.metadata.name = name;
  c.spec.storage_class_name = cls;
  c.spec.volume_name = volume_name;
  c.spec.access_modes = {"ReadWriteOnce"};
  c.spec.requests["storage"] = core::Quantity::parse("1Gi");
  return c;
}

/// A PV of `cls` reachable only from node `host` (kubernetes.io/hostname).
inline kube::PersistentVolume localVolume(const std::string& name, const std::string& cls,
                                          const std::string& host) {
  kube::PersistentVolume pv;
  pv.metadata.name = name;
  pv.spec.storage_class_name = cls;
  pv.spec.access_modes = {"ReadWriteOnce"};
  pv.spec.capacity["storage"] = core::Quantity::parse("10Gi");
  pv.status.phase = "Available";
  kube::NodeSelectorTerm t;
  t.match_expressions = {{"kubernetes.io/hostname", "In", {host}}};
  pv.spec.node_affinity = kube::NodeSelector{{t}};
  return pv;
}

inline kube::StorageClass storageClass(const std::string& name, const std::string& provisioner,
                                       const std::string& mode) {
  kube::StorageClass sc;
  sc.metadata.name = name;
  sc.provisioner = provisioner;
  sc.volume_binding_mode = mode;
  return sc;
}

}  // namespace keelson::schedule::framework::testing

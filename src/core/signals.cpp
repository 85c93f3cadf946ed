#include "core/signals.h"

#include <pthread.h>
#include <signal.h>

#include <cstdlib>

namespace keelson::core {
namespace {

// SIGUSR2 (also blocked) tells the waiting thread to end when the object is destroyed.
sigset_t waitedSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGUSR2);
  return set;
}

}  // namespace

StopOnSignals::StopOnSignals() {
  const sigset_t set = waitedSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  waiter_ = std::thread([this, set] {
    bool requested = false;
    for (;;) {
      int sig = 0;
      if (sigwait(&set, &sig) != 0) continue;
      if (sig == SIGUSR2) return;
      if (requested) std::_Exit(128 + sig);
      requested = true;
      source_.request_stop();
    }
  });
}

StopOnSignals::~StopOnSignals() {
  pthread_kill(waiter_.native_handle(), SIGUSR2);
  waiter_.join();
  const sigset_t set = waitedSignals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace keelson::core

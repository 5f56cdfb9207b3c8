#pragma once
// polycubed's options: command-line flags, and a config file of "key: value" lines whose
// keys are the long option names (the command line wins over the file).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/log.hpp"

namespace pcn::daemon {

struct options {
  std::string address = "localhost";
  uint16_t port = 9000;
  std::string unix_socket = "/run/polycube/polycubed.sock";  // empty: none
  unsigned cores = 1;
  log::level loglevel = log::level::info;
  std::string logfile;  // empty: stderr
  size_t max_body_bytes = 64 * 1024 * 1024;
  // Persistence: every acknowledged change is saved here and restored at start.
  std::string cubes_dump_file = "/etc/polycube/cubes.yaml";  // empty: no persistence
  bool cubes_dump_clean_init = false;  // start empty: clear the file and the data plane
  // Appliance mode: boot this topology (YAML or JSON), all or nothing, instead of the saved one.
  std::string topology_file;
  std::string bpf_pin_root = "/sys/fs/bpf/polycube";
  // On exit, remove every program and map instead of leaving the data plane forwarding
  // until the next start re-adopts it.
  bool clean_dataplane_on_exit = false;
  // The veth pair the slow path injects packets through (<name>t, <name>r).
  std::string injection_device = "pcninj";
  // After a slow-path socket runs dry, keep polling it this long before sleeping: lower
  // latency (p50 3.6 µs instead of 12 µs) for a core's worth of CPU while traffic flows.
  unsigned slowpath_busy_poll_us = 0;
  bool show_help = false;
  bool show_version = false;
};

// Parses argv (and the file named by --config-file, if any). Throws std::invalid_argument
// with a message that names the offending option and value.
options parse_options(int argc, const char* const argv[]);

std::string usage();

}  // namespace pcn::daemon

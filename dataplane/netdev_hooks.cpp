#include "dataplane/netdev_hooks.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/libxdp.h>

#include <cerrno>
#include <cstdarg>
#include <mutex>
#include <system_error>

#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "dataplane/object.hpp"

namespace pcn::dataplane {
namespace {

// The framework's TC filter: one handle and priority on every netdev, so we find it again.
constexpr uint32_t tc_handle = 0x9c0be;
constexpr uint32_t tc_priority = 1;
constexpr tc_filter_id framework_tc_filter{tc_handle, tc_priority};

int libxdp_print(enum libxdp_print_level level, const char* format, va_list args) {
  char line[1024];
  int n = std::vsnprintf(line, sizeof line, format, args);
  if (n <= 0) return 0;
  std::string_view text(line, std::min<size_t>(static_cast<size_t>(n), sizeof line - 1));
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  log::at(level == LIBXDP_WARN ? log::level::debug : log::level::trace, "libxdp: {}", text);
  return 0;
}

// libxdp and libbpf may speak before any object is opened: route both to our logger first.
void install_loggers() {
  static std::once_flag once;
  std::call_once(once, [] {
    libxdp_set_print(libxdp_print);
    install_libbpf_logger();
  });
}

std::string errno_text(int err) { return std::system_category().message(err < 0 ? -err : err); }

uint32_t xdp_flags(xdp_mode mode) { return mode == xdp_mode::native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE; }
const char* mode_name(xdp_mode mode) { return mode == xdp_mode::native ? "native (XDP_DRV)" : "generic (XDP_SKB)"; }

bpf_tc_hook tc_hook(int ifindex, tc_direction direction) {
  bpf_tc_hook hook{};
  hook.sz = sizeof hook;
  hook.ifindex = ifindex;
  hook.attach_point = direction == tc_direction::ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
  return hook;
}

const char* direction_name(tc_direction d) { return d == tc_direction::ingress ? "ingress" : "egress"; }

}  // namespace

xdp_attachment attach_xdp(int ifindex, const std::string& ifname, int prog_fd, xdp_mode mode) {
  install_loggers();
  xdp_program* prog = xdp_program__from_fd(prog_fd);
  if (long err = libxdp_get_error(prog); err)
    throw bpf_error("attach XDP to " + ifname + ": libxdp cannot use the program: " + errno_text(static_cast<int>(err)));
  int rc = xdp_program__attach(prog, ifindex, mode == xdp_mode::native ? XDP_MODE_NATIVE : XDP_MODE_SKB, 0);
  xdp_program__close(prog);
  bool mode_refused = rc == -EOPNOTSUPP || rc == -EINVAL || rc == -EEXIST || rc == -EBUSY;
  if (rc != 0 && !mode_refused) {
    // libxdp falls back to a plain attach only for some failures of its dispatcher (not, for
    // one, when xdp-dispatcher.o is missing): attach the program alone ourselves.
    log::debug("attach XDP to {}: libxdp failed ({}), attaching the program alone", ifname, errno_text(rc));
    rc = bpf_xdp_attach(ifindex, prog_fd, xdp_flags(mode) | XDP_FLAGS_UPDATE_IF_NOEXIST, nullptr);
  }
  if (rc != 0) {
    std::string why = errno_text(rc);
    if (rc == -EOPNOTSUPP || rc == -EINVAL) why += " (the driver of " + ifname + " cannot run XDP in " + mode_name(mode) + " mode)";
    if (rc == -EEXIST || rc == -EBUSY) why += " (another XDP program, or one in the other mode, is attached)";
    throw bpf_error("attach XDP in " + std::string(mode_name(mode)) + " mode to " + ifname + ": " + why);
  }
  xdp_attachment result;
  if (xdp_multiprog* mp = xdp_multiprog__get_from_ifindex(ifindex); !libxdp_get_error(mp) && mp) {
    result.dispatcher = !xdp_multiprog__is_legacy(mp);
    xdp_multiprog__close(mp);
  }
  return result;
}

void detach_xdp(int ifindex, int prog_fd, xdp_mode mode) {
  install_loggers();
  xdp_program* prog = xdp_program__from_fd(prog_fd);
  if (libxdp_get_error(prog)) return;
  int rc = xdp_program__detach(prog, ifindex, mode == xdp_mode::native ? XDP_MODE_NATIVE : XDP_MODE_SKB, 0);
  xdp_program__close(prog);
  if (rc != 0 && rc != -ENODEV && rc != -ENOENT)
    log::warn("detach XDP from ifindex {}: {}", ifindex, errno_text(rc));
}

uint32_t attached_xdp_program(int ifindex, xdp_mode mode) {
  netdev_programs p = netdev_programs_of(ifindex, std::nullopt);
  return mode == xdp_mode::native ? p.xdp_native : p.xdp_skb;
}

void replace_xdp(int ifindex, const std::string& ifname, uint32_t old_id, int prog_fd, xdp_mode mode) {
  install_loggers();
  unique_fd old(bpf_prog_get_fd_by_id(old_id));
  if (!old) throw bpf_error("replace XDP on " + ifname + ": program " + std::to_string(old_id) + " is gone");
  LIBBPF_OPTS(bpf_xdp_attach_opts, opts, .old_prog_fd = old.get());
  if (int rc = bpf_xdp_attach(ifindex, prog_fd, xdp_flags(mode) | XDP_FLAGS_REPLACE, &opts); rc != 0)
    throw bpf_error("replace XDP program on " + ifname + ": " + errno_text(rc));
}

void attach_tc(int ifindex, const std::string& ifname, tc_direction direction, int prog_fd) {
  install_loggers();
  bpf_tc_hook hook = tc_hook(ifindex, direction);
  hook.attach_point = BPF_TC_INGRESS;  // creating the clsact qdisc creates both hooks
  int rc = bpf_tc_hook_create(&hook);
  if (rc != 0 && rc != -EEXIST) throw bpf_error("create clsact qdisc on " + ifname + ": " + errno_text(rc));
  hook = tc_hook(ifindex, direction);
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE, .handle = tc_handle, .priority = tc_priority);
  if (rc = bpf_tc_attach(&hook, &opts); rc != 0)
    throw bpf_error("attach TC " + std::string(direction_name(direction)) + " program to " + ifname + ": " + errno_text(rc));
}

void detach_tc(int ifindex, tc_direction direction) {
  install_loggers();
  bpf_tc_hook hook = tc_hook(ifindex, direction);
  LIBBPF_OPTS(bpf_tc_opts, opts, .handle = tc_handle, .priority = tc_priority);
  int rc = bpf_tc_detach(&hook, &opts);
  if (rc != 0 && rc != -ENOENT && rc != -ENODEV && rc != -EINVAL)
    log::warn("detach TC {} program from ifindex {}: {}", direction_name(direction), ifindex, errno_text(rc));
}

netdev_programs attached_programs(int ifindex) { return netdev_programs_of(ifindex, framework_tc_filter); }

std::vector<netdev_programs> scan_attached_programs() { return scan_netdev_programs(framework_tc_filter); }

std::string program_name(uint32_t id) {
  unique_fd fd(bpf_prog_get_fd_by_id(id));
  if (!fd) return {};
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) return {};
  return info.name;
}

}  // namespace pcn::dataplane

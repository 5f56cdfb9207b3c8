#include "dataplane/tcx_links.hpp"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <system_error>

#include "base/log.hpp"
#include "base/unique_fd.hpp"
#include "dataplane/object.hpp"

namespace pcn::dataplane {
namespace {

namespace fs = std::filesystem;

// Kernel 6.6's UAPI; Debian 12's headers (6.1) predate TCX.
constexpr auto tcx_ingress = static_cast<bpf_attach_type>(46);  // BPF_TCX_INGRESS
constexpr auto tcx_egress = static_cast<bpf_attach_type>(47);   // BPF_TCX_EGRESS
constexpr uint32_t link_type_tcx = 11;                           // BPF_LINK_TYPE_TCX
constexpr uint32_t before_all = 1U << 3;                         // BPF_F_BEFORE, no relative: the head
// A TCX link's part of bpf_link_info, at the start of its union.
struct tcx_link_info {
  uint32_t ifindex;
  uint32_t attach_type;
};

bpf_attach_type attach_type(tc_direction d) { return d == tc_direction::ingress ? tcx_ingress : tcx_egress; }
const char* suffix(tc_direction d) { return d == tc_direction::ingress ? "ingress" : "egress"; }
std::string errno_text(int err) { return std::system_category().message(err < 0 ? -err : err); }

// What a pinned link runs and where; nullopt when the pin is not a TCX link.
struct link_facts {
  uint32_t prog_id;
  uint32_t ifindex;  // 0: its netdev is gone
};
std::optional<link_facts> facts_of_link(int fd) {
  bpf_link_info info{};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0 || info.type != link_type_tcx) return std::nullopt;
  tcx_link_info tcx{};
  std::memcpy(&tcx, reinterpret_cast<const std::byte*>(&info) + offsetof(bpf_link_info, netns), sizeof tcx);
  return link_facts{info.prog_id, tcx.ifindex};
}

}  // namespace

bool tcx_links::supported() {
  static const bool answer = [] {
    // A program no netdev will run, linked to ifindex 0: a kernel with TCX looks the netdev
    // up and answers ENODEV; one without refuses the attach type with EINVAL.
    const bpf_insn exit_zero[] = {
        {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .src_reg = 0, .off = 0, .imm = 0},
        {.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},
    };
    unique_fd prog(bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, "pcn_tcx_probe", "GPL", exit_zero, 2, nullptr));
    if (!prog) return false;
    unique_fd link(bpf_link_create(prog.get(), 0, tcx_ingress, nullptr));
    const int err = errno;
    log::debug("datapath: TCX links {}", link || err == ENODEV ? "available" : "unavailable: TC programs go through clsact");
    return link || err == ENODEV;
  }();
  return answer;
}

tcx_links::tcx_links(std::string dir) : _dir(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(_dir, ec);
  if (ec) throw bpf_error("create pin directory " + _dir + ": " + ec.message());
}

std::string tcx_links::pin_path(int ifindex, tc_direction direction) const {
  return _dir + "/" + std::to_string(ifindex) + "-" + suffix(direction);
}

void tcx_links::attach(int ifindex, const std::string& ifname, tc_direction direction, int prog_fd) const {
  const std::string path = pin_path(ifindex, direction);
  if (unique_fd link(bpf_obj_get(path.c_str())); link) {
    auto facts = facts_of_link(link.get());
    if (facts && facts->ifindex == static_cast<uint32_t>(ifindex)) {
      if (bpf_link_update(link.get(), prog_fd, nullptr) != 0)
        throw bpf_error("replace the TC " + std::string(suffix(direction)) + " program of " + ifname + ": " + errno_text(errno));
      return;
    }
    ::unlink(path.c_str());  // the link of a netdev that had this index and is gone
  }
  LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = before_all);
  unique_fd link(bpf_link_create(prog_fd, ifindex, attach_type(direction), &opts));
  if (!link) throw bpf_error("attach TC " + std::string(suffix(direction)) + " program to " + ifname + " (TCX link): " + errno_text(errno));
  if (bpf_obj_pin(link.get(), path.c_str()) != 0) {
    const int err = errno;
    bpf_link_detach(link.get());
    throw bpf_error("pin the TCX link of " + ifname + " at " + path + ": " + errno_text(err));
  }
}

void tcx_links::detach(int ifindex, tc_direction direction) const {
  const std::string path = pin_path(ifindex, direction);
  unique_fd link(bpf_obj_get(path.c_str()));
  if (!link) return;
  ::unlink(path.c_str());
  // Whoever else holds the link (nobody should), its program stops now.
  if (bpf_link_detach(link.get()) != 0 && errno != ENOLINK && errno != EINVAL)
    log::warn("detach the TC {} program from ifindex {}: {}", suffix(direction), ifindex, errno_text(errno));
}

std::vector<netdev_programs> tcx_links::scan() const {
  std::map<int, netdev_programs> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(_dir, ec)) {
    const std::string name = entry.path().filename().string();
    int ifindex = 0;
    auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), ifindex);
    const std::string_view rest(end, static_cast<size_t>(name.data() + name.size() - end));
    const bool ingress = rest == "-ingress";
    if (error != std::errc{} || ifindex <= 0 || (!ingress && rest != "-egress")) continue;
    unique_fd link(bpf_obj_get(entry.path().c_str()));
    auto facts = link ? facts_of_link(link.get()) : std::nullopt;
    if (!facts || facts->ifindex != static_cast<uint32_t>(ifindex)) {
      fs::remove(entry.path(), ec);  // not ours, or its netdev is gone
      continue;
    }
    netdev_programs& n = found[ifindex];
    n.ifindex = ifindex;
    (ingress ? n.tc_ingress : n.tc_egress) = facts->prog_id;
  }
  std::vector<netdev_programs> out;
  for (auto& [ifindex, n] : found) {
    char name[IF_NAMESIZE] = {};
    if (if_indextoname(static_cast<unsigned>(ifindex), name)) n.name = name;
    out.push_back(std::move(n));
  }
  return out;
}

uint32_t first_tcx_program(int ifindex, tc_direction direction) {
  if (!tcx_links::supported()) return 0;
  uint32_t ids[8] = {};
  uint32_t count = std::size(ids);
  if (bpf_prog_query(ifindex, attach_type(direction), 0, nullptr, ids, &count) != 0) return 0;
  return count ? ids[0] : 0;
}

}  // namespace pcn::dataplane

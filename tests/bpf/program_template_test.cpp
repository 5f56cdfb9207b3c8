// program_template: instances of one loaded program, each with load-time constants of its
// own, without opening the object again (how the datapath loads netdev entry programs).
// Each instance must behave as its own constants say, leave the template and the other
// instances as they were, and carry the same code (tag) as a libbpf load of the program.
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include <string>

#include "bpf/pcn_abi.h"
#include "dataplane/datapath.hpp"
#include "dataplane/object.hpp"
#include "netdev_tc.skel.h"
#include "tests/support/test_run.hpp"

namespace pcn::testing {
namespace {

using dataplane::bpf_error;
using dataplane::bpf_object_file;
using dataplane::load_constant;
using dataplane::program_template;

constexpr const char* entry = "pcn_netdev_ingress";

// The framework's TC netdev object on maps of its own (not pinned), loaded.
bpf_object_file loaded_netdev_object() {
  bpf_object_file object("pcn_template_test", dataplane::embedded_object<netdev_tc>());
  object.load();
  return object;
}

// What the entry program does with a small frame: TC_ACT_OK when its first hop is the
// stack, TC_ACT_SHOT when it is a panel slot nobody filled.
int verdict_of(int prog_fd) {
  std::string frame(64, '\0');
  frame[12] = '\x08';  // IPv4
  return run_tc(prog_fd, std::span(reinterpret_cast<const uint8_t*>(frame.data()), frame.size())).retval;
}

pcn_hop stack_hop() {
  pcn_hop h{};
  h.kind = PCN_HOP_STACK;
  return h;
}

pcn_hop empty_slot_hop() {
  pcn_hop h{};
  h.kind = PCN_HOP_CUBE;
  h.target = PCN_MAX_CUBES - 1;
  return h;
}

TEST(program_template, each_instance_runs_with_its_own_constants) {
  bpf_object_file object = loaded_netdev_object();
  program_template entries(object, entry);
  unique_fd to_stack = entries.instantiate({load_constant::of("pcn_first_hop", stack_hop())}, "to the stack");
  unique_fd to_nowhere = entries.instantiate({load_constant::of("pcn_first_hop", empty_slot_hop())}, "to an empty slot");
  unique_fd as_loaded = entries.instantiate({}, "with the template's constants");
  ASSERT_TRUE(to_stack && to_nowhere && as_loaded);
  EXPECT_EQ(verdict_of(to_stack.get()), TC_ACT_OK);
  EXPECT_EQ(verdict_of(to_nowhere.get()), TC_ACT_SHOT);
  EXPECT_EQ(verdict_of(to_stack.get()), TC_ACT_OK) << "the second instance changed the first";
  EXPECT_EQ(verdict_of(object.program_fd(entry)), verdict_of(as_loaded.get())) << "the template itself is unchanged";
}

TEST(program_template, instances_have_the_code_of_a_libbpf_load) {
  // A restarted datapath re-adopts an entry program when its tag is that of its own.
  bpf_object_file object = loaded_netdev_object();
  program_template entries(object, entry);
  unique_fd instance = entries.instantiate({load_constant::of("pcn_first_hop", empty_slot_hop())}, "an instance");
  auto tag = [](int fd) {
    bpf_prog_info info{};
    uint32_t len = sizeof info;
    EXPECT_EQ(bpf_obj_get_info_by_fd(fd, &info, &len), 0);
    return std::string(reinterpret_cast<const char*>(info.tag), sizeof info.tag);
  };
  EXPECT_EQ(tag(instance.get()), tag(object.program_fd(entry)));
}

TEST(program_template, a_wrong_constant_is_refused_by_name) {
  bpf_object_file object = loaded_netdev_object();
  program_template entries(object, entry);
  try {
    entries.instantiate({load_constant::of("no_such_constant", uint32_t{1})}, "a test instance");
    FAIL() << "an unknown constant was accepted";
  } catch (const bpf_error& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_constant"), std::string::npos) << e.what();
  }
  EXPECT_THROW(entries.instantiate({load_constant::of("pcn_first_hop", uint8_t{1})}, "a test instance"), bpf_error)
      << "a constant of the wrong size";
  EXPECT_THROW(program_template(object, "no_such_program"), bpf_error);
  bpf_object_file unloaded("pcn_template_unloaded", dataplane::embedded_object<netdev_tc>());
  EXPECT_THROW(program_template(unloaded, entry), bpf_error) << "a template needs the loaded program";
}

}  // namespace
}  // namespace pcn::testing

// A slow-path packet is a view of one frame of a pool: it gives the frame back when it is
// destroyed, released or moved over, grows and shrinks within the frame, and clones into
// a frame of its own.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "slowpath/frame_pool.hpp"
#include "slowpath/packet.hpp"

namespace pcn::slowpath {
namespace {

constexpr uint32_t frame_size = 2048;

struct pool_fixture : ::testing::Test {
  std::vector<std::byte> area = std::vector<std::byte>(4 * frame_size);
  frame_pool pool{area.data(), frame_size, 4};

  // A packet of `length` bytes (0, 1, 2...) at the usual headroom of a fresh frame.
  packet make(uint32_t length) {
    uint64_t address = *pool.allocate() + frame_pool::headroom;
    auto* bytes = reinterpret_cast<uint8_t*>(pool.at(address));
    for (uint32_t i = 0; i < length; ++i) bytes[i] = static_cast<uint8_t>(i);
    pcn_metadata md{};
    md.in_port = 3;
    md.reason = 9;
    return packet(pool, address, length, md);
  }
};

TEST_F(pool_fixture, frames_come_back_when_packets_go) {
  {
    packet a = make(60);
    packet b = make(60);
    EXPECT_EQ(pool.available(), 2u);
    packet c = std::move(a);
    EXPECT_FALSE(a);
    EXPECT_TRUE(c);
    b = std::move(c);  // b's own frame goes back now
    EXPECT_EQ(pool.available(), 3u);
    b.release();
    EXPECT_EQ(pool.available(), 4u);
  }
  EXPECT_EQ(pool.available(), 4u);
}

TEST_F(pool_fixture, grows_and_shrinks_within_its_frame) {
  packet p = make(100);
  EXPECT_EQ(p.headroom(), frame_pool::headroom);
  EXPECT_EQ(p.tailroom(), frame_size - frame_pool::headroom - 100);
  ASSERT_TRUE(p.push_front(16));
  EXPECT_EQ(p.size(), 116u);
  EXPECT_EQ(p.data()[16], 0);  // the old first byte
  EXPECT_FALSE(p.push_front(frame_pool::headroom)) << "beyond the frame's start";
  ASSERT_TRUE(p.pull_front(16));
  EXPECT_EQ(p.data()[1], 1);
  EXPECT_TRUE(p.resize(p.size() + p.tailroom()));
  EXPECT_FALSE(p.resize(p.size() + 1)) << "beyond the frame's end";
  EXPECT_FALSE(p.pull_front(p.size() + 1));
}

TEST_F(pool_fixture, a_clone_is_a_copy_in_a_frame_of_its_own) {
  packet p = make(64);
  packet q = p.clone();
  ASSERT_TRUE(q);
  EXPECT_NE(pool.frame_of(q.address()), pool.frame_of(p.address()));
  EXPECT_EQ(std::memcmp(q.data().data(), p.data().data(), 64), 0);
  EXPECT_EQ(q.metadata().in_port, 3);
  EXPECT_EQ(q.reason(), 9);
  q.data()[0] = 0xff;
  EXPECT_EQ(p.data()[0], 0);
  packet r = make(1), s = make(1);  // the last two frames
  EXPECT_FALSE(p.clone()) << "no frame left: an empty packet";
}

TEST_F(pool_fixture, a_handed_over_frame_is_not_given_back_by_the_packet) {
  packet p = make(10);
  p.hand_over();  // now the kernel's (a TX ring), back through a completion
  EXPECT_FALSE(p);
  EXPECT_EQ(pool.available(), 3u);
}

}  // namespace
}  // namespace pcn::slowpath

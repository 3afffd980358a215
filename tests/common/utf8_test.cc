#include "common/utf8.h"

#include <gtest/gtest.h>

namespace vigie {
namespace {

TEST(Utf8Test, FindsTheFirstInvalidByte) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xF0\x9F\x90\x88"));
  EXPECT_EQ(InvalidUtf8Offset("t4\xFF"), 2u);
  EXPECT_EQ(InvalidUtf8Offset("ab\xC3"), 2u);            // Cut sequence.
  EXPECT_EQ(InvalidUtf8Offset("\xC0\xAF"), 0u);          // Overlong '/'.
  EXPECT_EQ(InvalidUtf8Offset("x\xED\xA0\x80"), 1u);     // Surrogate.
  EXPECT_EQ(InvalidUtf8Offset("\xF4\x90\x80\x80"), 0u);  // Above U+10FFFF.
}

TEST(Utf8Test, EscapesForMessages) {
  EXPECT_EQ(EscapeForMessage("t4\xFF"), "t4\\xff");
  EXPECT_EQ(EscapeForMessage("a\"b\\c\n"), "a\\\"b\\\\c\\x0a");
  EXPECT_EQ(EscapeForMessage("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(EscapeForMessage(std::string(100, 'x'), 4), "xxxx...");
  EXPECT_TRUE(IsValidUtf8(EscapeForMessage("\xFF\xFE\xC3")));
}

}  // namespace
}  // namespace vigie

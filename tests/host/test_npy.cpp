// Tests of harness/npy: .npy and raw arrays written and read back; every kind of bad file refused.
#include "harness/npy.hpp"

#include "temp_dir.hpp"

#include <fstream>
#include <string>

namespace actbench {
namespace {

class Npy : public TempDirTest {
 protected:
  void write_bytes(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }
  /// A .npy file with a hand-written header dict (padded like numpy's) and `data_bytes` zero bytes.
  void write_npy(const std::string& name, const std::string& dict, std::size_t data_bytes) const {
    std::string h = dict;
    const std::size_t unpadded = 10 + h.size() + 1;
    h.append((64 - unpadded % 64) % 64, ' ');
    h += '\n';
    std::string out("\x93NUMPY\x01\x00", 8);
    out += static_cast<char>(h.size() & 0xff);
    out += static_cast<char>(h.size() >> 8);
    write_bytes(name, out + h + std::string(data_bytes, '\0'));
  }
  std::string error_of(const std::string& name, DType t) const {
    try {
      ArrayReader r(path(name), t, "--y");
    } catch (const ArrayFileError& e) {
      return e.what();
    }
    return "";
  }
};

std::vector<std::uint64_t> read_all(ArrayReader& r, std::size_t chunk) {
  std::vector<std::uint64_t> all, part;
  while (r.next(part, chunk)) all.insert(all.end(), part.begin(), part.end());
  return all;
}

TEST_F(Npy, HeaderIsWhatNumpyWrites) {
  const std::string h = npy_header(DType::f32, 1000);
  EXPECT_EQ(h.size() % 64, 0u);
  EXPECT_EQ(h.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_NE(h.find("{'descr': '<f4', 'fortran_order': False, 'shape': (1000,), }"), std::string::npos);
  EXPECT_EQ(h.back(), '\n');
  EXPECT_NE(npy_header(DType::bf16, 3).find("'<u2'"), std::string::npos);
}

TEST_F(Npy, RoundTripEveryDtypeNpyAndRaw) {
  for (DType t : kAllDTypes)
    for (bool raw : {false, true}) {
      const int bits = 8 * dtype_info(t).size_bytes;
      std::vector<std::uint64_t> v;
      for (std::uint64_t i = 0; i < 1001; ++i) v.push_back((i * 0x9e3779b97f4a7c15ull) >> (64 - bits));
      const std::string p = path(std::string(to_string(t)) + (raw ? ".bin" : ".npy"));
      ArrayWriter w(p, t, v.size(), raw);
      w.append({v.begin(), v.begin() + 500});
      w.append({v.begin() + 500, v.end()});
      w.finish();
      ArrayReader r(p, t, "--x");
      EXPECT_EQ(r.is_npy(), !raw);
      ASSERT_EQ(r.size(), v.size());
      EXPECT_EQ(read_all(r, 77), v) << to_string(t) << raw;
    }
}

TEST_F(Npy, WriterRefusesAWrongCount) {
  ArrayWriter w(path("short.npy"), DType::f32, 3, false);
  w.append({1, 2});
  EXPECT_THROW(w.finish(), ArrayFileError);
  ArrayWriter w2(path("long.npy"), DType::f32, 1, false);
  EXPECT_THROW(w2.append({1, 2}), ArrayFileError);
}

TEST_F(Npy, ReadsVersion2AndDoubleQuotesAndBf16AsVoid) {
  std::string dict = "{\"descr\": \"<V2\", \"fortran_order\": True, \"shape\": (4,)}";
  std::string h = dict + std::string(64 - (12 + dict.size() + 1) % 64, ' ') + "\n";
  std::string out("\x93NUMPY\x02\x00", 8);
  for (int k = 0; k < 4; ++k) out += static_cast<char>((h.size() >> (8 * k)) & 0xff);
  write_bytes("v2.npy", out + h + std::string("\x80\x3f\x00\x40\x40\x40\x80\xbf", 8));
  ArrayReader r(path("v2.npy"), DType::bf16, "--x");
  EXPECT_EQ(read_all(r, 10), (std::vector<std::uint64_t>{0x3f80, 0x4000, 0x4040, 0xbf80}));
}

TEST_F(Npy, BadFilesAreRefusedWithTheReason) {
  write_npy("f32.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 16);
  EXPECT_NE(error_of("f32.npy", DType::f16).find("holds '<f4' (float32) values, expected '<f2' for f16"),
            std::string::npos);
  write_npy("be.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (4,), }", 16);
  EXPECT_NE(error_of("be.npy", DType::f32).find("little-endian"), std::string::npos);
  write_npy("int.npy", "{'descr': '<i4', 'fortran_order': False, 'shape': (4,), }", 16);
  EXPECT_NE(error_of("int.npy", DType::f32).find("int32"), std::string::npos);
  write_npy("2d.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 16);
  EXPECT_NE(error_of("2d.npy", DType::f32).find("shape (2, 2)"), std::string::npos);
  write_npy("short.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }", 16);
  EXPECT_NE(error_of("short.npy", DType::f32).find("truncated"), std::string::npos);
  write_npy("long.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 16);
  EXPECT_NE(error_of("long.npy", DType::f32).find("4 bytes after"), std::string::npos);
  write_npy("garbled.npy", "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (4,), }", 16);
  EXPECT_NE(error_of("garbled.npy", DType::f32).find("malformed .npy header"), std::string::npos);
  write_npy("nokey.npy", "{'descr': '<f4', 'shape': (4,), }", 16);
  EXPECT_NE(error_of("nokey.npy", DType::f32).find("malformed"), std::string::npos);
  write_bytes("cut.npy", std::string("\x93NUMPY\x01\x00\xff\x00{'descr'", 17));
  EXPECT_NE(error_of("cut.npy", DType::f32).find("truncated .npy header"), std::string::npos);
  write_bytes("plain.npy", "not an array");
  EXPECT_NE(error_of("plain.npy", DType::f32).find("magic"), std::string::npos);
  write_bytes("odd.bin", std::string(7, '\0'));
  EXPECT_NE(error_of("odd.bin", DType::f32).find("whole number of 4-byte values"), std::string::npos);
  EXPECT_NE(error_of("missing.npy", DType::f32).find("cannot open"), std::string::npos);
  // every message names the role and the file
  EXPECT_EQ(error_of("odd.bin", DType::f32).rfind("--y " + path("odd.bin"), 0), 0u);
}

}  // namespace
}  // namespace actbench

// actbench/harness/npy.cpp - see npy.hpp.
#include "harness/npy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>

namespace actbench {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/// The dtype names of a descr, for messages ("'<f4' (float32)").
std::string descr_words(const std::string& d) {
  static const std::map<std::string, std::string> names = {
      {"<f2", "float16"}, {"<f4", "float32"}, {"<f8", "float64"}, {"<u2", "uint16"},  {"|V2", "2-byte void"},
      {"<V2", "2-byte void"}, {">f2", "big-endian float16"}, {">f4", "big-endian float32"},
      {">f8", "big-endian float64"}, {"<i4", "int32"}, {"<i8", "int64"}, {"|u1", "uint8"}, {"|b1", "bool"}};
  const auto it = names.find(d);
  return it == names.end() ? fmt::format("'{}'", d) : fmt::format("'{}' ({})", d, it->second);
}

std::vector<std::string> accepted_descrs(DType t) {
  switch (t) {
    case DType::f32: return {"<f4"};
    case DType::f16: return {"<f2"};
    case DType::f64: return {"<f8"};
    case DType::bf16: return {"<u2", "|V2", "<V2"};
  }
  return {};
}

/// The header dict of a .npy file: {'descr': str, 'fortran_order': bool, 'shape': (int, ...)}.
struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::uint64_t> shape;
};

/// A small parser for the Python literal NumPy writes (strings in ' or ", True/False, tuples of ints).
class HeaderParser {
 public:
  explicit HeaderParser(std::string text) : s_(std::move(text)) {}

  NpyHeader parse() {
    NpyHeader h;
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    while (true) {
      skip();
      if (peek() == '}') break;
      const std::string key = string_literal();
      expect(':');
      if (key == "descr") {
        h.descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        h.shape = int_tuple();
        have_shape = true;
      } else {
        throw std::invalid_argument(fmt::format("unknown header key '{}'", key));
      }
      skip();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') throw std::invalid_argument(fmt::format("expected ',' or '}}' at header byte {}", pos_));
    }
    ++pos_;
    skip();
    if (pos_ != s_.size()) throw std::invalid_argument("text after the header dict");
    if (!have_descr || !have_order || !have_shape)
      throw std::invalid_argument("the header dict lacks 'descr', 'fortran_order' or 'shape'");
    return h;
  }

 private:
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void expect(char c) {
    skip();
    if (peek() != c) throw std::invalid_argument(fmt::format("expected '{}' at header byte {}", c, pos_));
    ++pos_;
  }
  std::string string_literal() {
    skip();
    const char q = peek();
    if (q != '\'' && q != '"') throw std::invalid_argument(fmt::format("expected a string at header byte {}", pos_));
    const std::size_t end = s_.find(q, pos_ + 1);
    if (end == std::string::npos) throw std::invalid_argument("unterminated string in the header");
    std::string out = s_.substr(pos_ + 1, end - pos_ - 1);
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    skip();
    for (const auto& [word, value] : {std::pair<const char*, bool>{"True", true}, {"False", false}})
      if (s_.compare(pos_, std::strlen(word), word) == 0) {
        pos_ += std::strlen(word);
        return value;
      }
    throw std::invalid_argument(fmt::format("expected True or False at header byte {}", pos_));
  }
  std::vector<std::uint64_t> int_tuple() {
    expect('(');
    std::vector<std::uint64_t> out;
    while (true) {
      skip();
      if (peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(peek())))
        throw std::invalid_argument(fmt::format("expected a dimension at header byte {}", pos_));
      std::uint64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        const std::uint64_t digit = static_cast<std::uint64_t>(s_[pos_++] - '0');
        if (v > (UINT64_MAX - digit) / 10) throw std::invalid_argument("a dimension overflows 64 bits");
        v = v * 10 + digit;
      }
      out.push_back(v);
      skip();
      if (peek() == ',') ++pos_;
      else if (peek() != ')') throw std::invalid_argument(fmt::format("expected ',' or ')' at header byte {}", pos_));
    }
    ++pos_;
    return out;
  }

  std::string s_;
  std::size_t pos_ = 0;
};

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string s = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

const char* npy_descr(DType t) {
  switch (t) {
    case DType::f32: return "<f4";
    case DType::f16: return "<f2";
    case DType::f64: return "<f8";
    case DType::bf16: return "<u2";
  }
  return "?";
}

std::string npy_header(DType t, std::uint64_t count) {
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({},), }}", npy_descr(t), count);
  // magic (6) + version (2) + length (2) + dict + padding + '\n': a multiple of 64
  const std::size_t unpadded = kMagicLen + 2 + 2 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  std::string out(kMagic, kMagicLen);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>((dict.size() >> 8) & 0xff);
  return out + dict;
}

namespace {
/// Text from a file, printable: control characters (a newline in a header) become escapes, so that an
/// error stays one line.
std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c == '\n') out += "\\n";
    else if (c < 0x20 || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += static_cast<char>(c);
  }
  return out;
}
}  // namespace

ArrayReader::ArrayReader(const std::string& path, DType t, const std::string& role)
    : path_(path), role_(role), t_(t) {
  const auto fail = [&](const std::string& why) {
    return ArrayFileError(printable(fmt::format("{} {}: {}", role_, path_, why)));
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw fail("is a folder, not an array file");
  in_.open(path, std::ios::binary);
  if (!in_) throw fail(fmt::format("cannot open: {}", std::strerror(errno)));
  const std::uint64_t file_size = std::filesystem::file_size(path, ec);
  if (ec) throw fail(fmt::format("cannot read its size: {}", ec.message()));
  const std::uint64_t size = static_cast<std::uint64_t>(dtype_info(t).size_bytes);

  char magic[kMagicLen] = {};
  in_.read(magic, kMagicLen);
  npy_ = static_cast<std::size_t>(in_.gcount()) == kMagicLen && std::memcmp(magic, kMagic, kMagicLen) == 0;
  if (!npy_) {
    if (ends_with(path, ".npy")) throw fail("named .npy but does not start with the .npy magic \\x93NUMPY");
    if (file_size % size != 0)
      throw fail(fmt::format("a raw {} file must hold a whole number of {}-byte values; it has {} bytes", to_string(t),
                             size, file_size));
    count_ = file_size / size;
    description_ = fmt::format("raw little-endian {}, {} bytes", to_string(t), file_size);
    in_.seekg(0);
    return;
  }
  unsigned char ver[2] = {};
  in_.read(reinterpret_cast<char*>(ver), 2);
  if (in_.gcount() != 2) throw fail("truncated .npy header");
  if (ver[0] < 1 || ver[0] > 3 || ver[1] != 0)
    throw fail(fmt::format(".npy format version {}.{} (actbench reads 1.0, 2.0 and 3.0)", ver[0], ver[1]));
  const int len_bytes = ver[0] == 1 ? 2 : 4;
  unsigned char len_buf[4] = {};
  in_.read(reinterpret_cast<char*>(len_buf), len_bytes);
  if (in_.gcount() != len_bytes) throw fail("truncated .npy header");
  std::uint64_t header_len = 0;
  for (int i = len_bytes - 1; i >= 0; --i) header_len = header_len << 8 | len_buf[i];
  const std::uint64_t data_offset = kMagicLen + 2 + static_cast<std::uint64_t>(len_bytes) + header_len;
  if (data_offset > file_size)
    throw fail(fmt::format("truncated .npy header: it announces {} header bytes, the file has {} bytes in all",
                           header_len, file_size));
  std::string text(static_cast<std::size_t>(header_len), '\0');
  in_.read(text.data(), static_cast<std::streamsize>(header_len));
  NpyHeader h;
  try {
    h = HeaderParser(text).parse();
  } catch (const std::invalid_argument& e) {
    throw fail(fmt::format("malformed .npy header ({})", e.what()));
  }
  description_ = fmt::format("'{}' shape {}", h.descr, shape_text(h.shape));
  const auto ok = accepted_descrs(t);
  if (std::find(ok.begin(), ok.end(), h.descr) == ok.end()) {
    std::string expected;
    for (const auto& d : ok) expected += (expected.empty() ? "'" : " or '") + d + "'";
    throw fail(fmt::format("holds {} values, expected {} for {}{}", descr_words(h.descr), expected, to_string(t),
                           !h.descr.empty() && h.descr[0] == '>' ? " (actbench reads little-endian data only)" : ""));
  }
  if (h.shape.size() != 1)
    throw fail(fmt::format("shape {}: expected a one-dimensional array (flatten it first)", shape_text(h.shape)));
  count_ = h.shape[0];
  if (count_ > (file_size - data_offset) / size) {
    const std::uint64_t have = file_size - data_offset;
    throw fail(fmt::format("truncated: the header announces {} values ({} bytes of data), the file holds {} bytes of "
                           "data", count_, count_ * size, have));
  }
  if (data_offset + count_ * size != file_size)
    throw fail(fmt::format("{} bytes after the {} announced values", file_size - data_offset - count_ * size, count_));
}

bool ArrayReader::next(std::vector<std::uint64_t>& bits, std::size_t max_count) {
  bits.clear();
  if (done_ >= count_ || max_count == 0) return false;
  const std::size_t size = static_cast<std::size_t>(dtype_info(t_).size_bytes);
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(max_count, count_ - done_));
  buf_.resize(n * size);
  in_.read(reinterpret_cast<char*>(buf_.data()), static_cast<std::streamsize>(buf_.size()));
  if (static_cast<std::size_t>(in_.gcount()) != buf_.size())
    throw ArrayFileError(fmt::format("{} {}: cannot read values {}..{} (the file changed while it was read?)", role_,
                                     path_, done_, done_ + n));
  bits.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t b = 0;
    for (std::size_t k = size; k-- > 0;) b = b << 8 | buf_[i * size + k];
    bits[i] = b;
  }
  done_ += n;
  return true;
}

ArrayWriter::ArrayWriter(const std::string& path, DType t, std::uint64_t count, bool raw)
    : path_(path), t_(t), count_(count) {
  out_.open(path, std::ios::binary | std::ios::trunc);
  if (!out_) throw ArrayFileError(fmt::format("cannot write {}: {}", path, std::strerror(errno)));
  if (!raw) {
    const std::string h = npy_header(t, count);
    out_.write(h.data(), static_cast<std::streamsize>(h.size()));
  }
}

void ArrayWriter::append(const std::vector<std::uint64_t>& bits) {
  if (written_ + bits.size() > count_)
    throw ArrayFileError(fmt::format("{}: more than the announced {} values", path_, count_));
  const std::size_t size = static_cast<std::size_t>(dtype_info(t_).size_bytes);
  buf_.resize(bits.size() * size);
  for (std::size_t i = 0; i < bits.size(); ++i)
    for (std::size_t k = 0; k < size; ++k) buf_[i * size + k] = static_cast<unsigned char>(bits[i] >> (8 * k));
  out_.write(reinterpret_cast<const char*>(buf_.data()), static_cast<std::streamsize>(buf_.size()));
  if (!out_) throw ArrayFileError(fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
  written_ += bits.size();
}

void ArrayWriter::finish() {
  if (written_ != count_)
    throw ArrayFileError(fmt::format("{}: {} values written, {} announced", path_, written_, count_));
  out_.close();
  if (!out_) throw ArrayFileError(fmt::format("cannot write {}: {}", path_, std::strerror(errno)));
}

}  // namespace actbench

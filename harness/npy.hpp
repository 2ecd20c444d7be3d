// actbench/harness/npy.hpp - one-dimensional arrays of one dtype in files: NumPy's .npy format, or raw
// little-endian values, read and written in chunks (an f32 range may hold 2^32 elements).
//
// The .npy format (numpy.lib.format, versions 1.0, 2.0 and 3.0): the magic "\x93NUMPY", two version
// bytes, the header length (2 bytes little-endian in 1.0, 4 bytes in 2.0 and 3.0), a header that is a
// Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...), } padded with spaces and a
// newline so that the data starts at a multiple of 64 bytes, then the data.
//
// Accepted element types ('descr'): f32 '<f4', f16 '<f2', f64 '<f8'.  NumPy has no bfloat16: bf16 is
// read from '<u2' (the bit patterns, what actbench writes) or from a 2-byte void ('|V2', '<V2', how
// numpy.save writes ml_dtypes.bfloat16 arrays).  Everything else is refused with one line saying what
// the file holds and what was expected: another float width, big-endian data, integers, a shape that
// is not one-dimensional, a truncated body, bytes after the data, a malformed header.
//
// Raw files hold the values back to back, little-endian, nothing else: the element count is the file
// size over the element size (a remainder is refused).
#pragma once

#include "kernels/dtype.hpp"

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace actbench {

/// A file that cannot be used as an array of the expected dtype (one line: the file and the problem).
struct ArrayFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The .npy 'descr' actbench writes for dtype t: '<f4', '<f2', '<f8', and '<u2' for bf16.
const char* npy_descr(DType t);

/// The .npy header (magic, version 1.0, header dict, padding) of a one-dimensional array of `count`
/// elements of t; the data follow it directly.
std::string npy_header(DType t, std::uint64_t count);

/// Reads a one-dimensional array of dtype t from a .npy file (detected by its magic) or a raw file
/// (any other content; a name ending in ".npy" without the magic is refused).  The constructor checks
/// the header and the size; next() reads it in chunks.
class ArrayReader {
 public:
  /// `role` names the array in messages ("--y").  Throws ArrayFileError.
  ArrayReader(const std::string& path, DType t, const std::string& role);

  std::uint64_t size() const { return count_; }  ///< elements in the file
  bool is_npy() const { return npy_; }
  const std::string& path() const { return path_; }
  /// What the file declared ("'<f4' shape (1000,)", or "raw, 4000 bytes").
  const std::string& description() const { return description_; }

  /// Fills `bits` (cleared first) with up to max_count bit patterns; false at the end.  Throws
  /// ArrayFileError when the file cannot be read (it shrank under us).
  bool next(std::vector<std::uint64_t>& bits, std::size_t max_count);

 private:
  std::string path_, role_, description_;
  DType t_;
  bool npy_ = false;
  std::uint64_t count_ = 0, done_ = 0;
  std::ifstream in_;
  std::vector<unsigned char> buf_;
};

/// Writes a one-dimensional array of dtype t, `count` elements announced up front, as .npy (raw:
/// values only).  append() takes chunks of bit patterns; finish() checks that exactly `count` were
/// written and closes the file.  Throws ArrayFileError (cannot write, wrong count).
class ArrayWriter {
 public:
  ArrayWriter(const std::string& path, DType t, std::uint64_t count, bool raw);
  void append(const std::vector<std::uint64_t>& bits);
  void finish();

 private:
  std::string path_;
  DType t_;
  std::uint64_t count_ = 0, written_ = 0;
  std::ofstream out_;
  std::vector<unsigned char> buf_;
};

}  // namespace actbench

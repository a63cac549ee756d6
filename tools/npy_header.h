#pragma once

// The text header of a numpy .npy file: a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (100, 128), }
// (format documented in numpy.lib.format). Only what numpy itself writes is accepted.

#include <cstdint>
#include <string>
#include <vector>

namespace faisslike::tools {

struct NpyHeader {
    std::string descr; ///< dtype string, e.g. "<f4", "|u1"
    bool fortran_order = false;
    std::vector<uint64_t> shape;
};

/// Parses the dict; throws FaisslikeException ("<what>: ...") if it is malformed
/// or lacks one of the three keys.
NpyHeader parse_npy_header(const std::string& text, const std::string& what);

/// The dict text for a C-order 2-D array, without padding or newline.
std::string format_npy_header(const std::string& descr, uint64_t n, uint64_t d);

/// "(100, 128)", "(5,)": the shape as numpy prints it.
std::string format_npy_shape(const std::vector<uint64_t>& shape);

} // namespace faisslike::tools

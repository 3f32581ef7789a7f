#pragma once
// NPY files (NumPy's format 1.0), the arrays runs and sweeps export: a header naming the element type and
// the shape, then the elements in C order. One writer and one reader for RunExport and Sweep.
#include <string>
#include <vector>

namespace attnsphere::core {

// "\x93NUMPY", version 1.0, the header length and a Python dict literal padded with spaces to a multiple of
// 64 bytes, as numpy writes it. descr is "<f8" (float64) or "<i8" (int64).
std::string npyHeader(const std::string& descr, const std::vector<long long>& shape);

struct NpyArray {
    std::string descr;
    std::vector<long long> shape;
    std::string data;  // the elements' bytes
};
// Reads a C-order NPY file whose data size matches its shape; throws ValidationError naming the file.
NpyArray readNpy(const std::string& path);

}  // namespace attnsphere::core

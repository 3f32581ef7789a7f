// NPY format 1.0 (numpy.lib.format): magic, version, little-endian uint16 header length, header dict.
#include "core/Npy.h"

#include "core/Errors.h"

#include <cstdint>
#include <fstream>
#include <sstream>

namespace attnsphere::core {

namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kPrefix = 10;  // magic (6), version (2), header length (2)

std::size_t itemSize(const std::string& descr) {
    return descr == "<f8" || descr == "<i8" ? 8 : 0;
}

// The value after `key` in the header dict, up to `end` (exclusive).
std::string dictValue(const std::string& dict, const std::string& key, char end) {
    const auto k = dict.find("'" + key + "':");
    if (k == std::string::npos) return {};
    auto start = k + key.size() + 3;
    while (start < dict.size() && dict[start] == ' ') ++start;
    const auto stop = dict.find(end, start + 1);
    return stop == std::string::npos ? std::string() : dict.substr(start, stop - start + 1);
}

}  // namespace

std::string npyHeader(const std::string& descr, const std::vector<long long>& shape) {
    std::string dims;
    for (long long s : shape) dims += std::to_string(s) + ", ";
    if (shape.size() > 1) dims.resize(dims.size() - 2);  // numpy writes (n,) for one dimension only
    std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
    const std::size_t total = (kPrefix + dict.size() + 1 + 63) / 64 * 64;
    dict.append(total - kPrefix - dict.size() - 1, ' ');
    dict.push_back('\n');
    std::string header(kMagic, 6);
    header.push_back('\x01');
    header.push_back('\x00');
    const auto length = static_cast<std::uint16_t>(dict.size());
    header.push_back(static_cast<char>(length & 0xff));
    header.push_back(static_cast<char>(length >> 8));
    return header + dict;
}

NpyArray readNpy(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ValidationError("", "cannot open '" + path + "'");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string bytes = buffer.str();
    auto fail = [&](const std::string& why) { throw ValidationError("", "'" + path + "' " + why); };
    if (bytes.size() < kPrefix || bytes.compare(0, 6, kMagic, 6) != 0 || bytes[6] != '\x01')
        fail("is not an NPY file of version 1.0");
    const std::size_t length = static_cast<unsigned char>(bytes[8]) |
                               (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    if (bytes.size() < kPrefix + length) fail("is shorter than its header");
    const std::string dict = bytes.substr(kPrefix, length);
    NpyArray a;
    const std::string descr = dictValue(dict, "descr", '\'');
    if (descr.size() < 2) fail("has no element type");
    a.descr = descr.substr(1, descr.size() - 2);
    if (itemSize(a.descr) == 0) fail("holds '" + a.descr + "', not float64 or int64");
    if (dictValue(dict, "fortran_order", ',') != "False,") fail("is not in C order");
    const std::string shape = dictValue(dict, "shape", ')');
    if (shape.size() < 2 || shape.front() != '(') fail("has no shape");
    std::istringstream dims(shape.substr(1, shape.size() - 2));
    std::string item;
    std::size_t count = 1;
    while (std::getline(dims, item, ',')) {
        if (item.find_first_not_of(' ') == std::string::npos) continue;
        const long long s = std::stoll(item);
        if (s < 0) fail("has a negative dimension");
        a.shape.push_back(s);
        count *= static_cast<std::size_t>(s);
    }
    a.data = bytes.substr(kPrefix + length);
    if (a.data.size() != count * itemSize(a.descr)) fail("does not hold as many elements as its shape says");
    return a;
}

}  // namespace attnsphere::core

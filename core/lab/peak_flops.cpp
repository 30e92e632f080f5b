// MFU denominators (see peak_flops.h).
#include "core/lab/peak_flops.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <regex>

#include "core/util/translate.h"
#include "kernels/runtime.h"

namespace danka::core {

namespace {

// What MFU is measured against, part of a run's events: stored in English, translated when shown.
const StoredMessage kRatedPeak = storedMessage("danka::core", "the rated dense %1 peak of the %2, %3 TFLOP/s (%4)");
const StoredMessage kMeasuredPeak =
    storedMessage("danka::core", "the %1 matmul peak measured on %2 (%3^3, fastest tenth of the calls), %4 TFLOP/s");
const StoredMessage kMeasuredPeakUnknownGpu = storedMessage(
    "danka::core", "the %1 matmul peak measured on %2 (%3^3, fastest tenth of the calls), %4 TFLOP/s: no rated peak "
                   "is known for this GPU");
const StoredMessage kGivenPeak = storedMessage("danka::core", "a peak of %1 TFLOP/s given to the trainer");

}  // namespace

namespace {

constexpr double T = 1e12;

// Dense peaks, TFLOP/s. Datasheets give 16-bit tensor figures "with sparsity" (2:4): the dense figure is half
// of it. GeForce cards run 16-bit products with FP32 accumulation at half their FP16-accumulate rate, and the
// whitepapers list that rate separately (the one used here).
const RatedPeak kTable[] = {
    // NVIDIA H100 Tensor Core GPU datasheet and "NVIDIA H100 Tensor Core GPU Architecture" whitepaper (2022),
    // table 3: H100 SXM5 FP32 67, BF16/FP16 989.4 dense (1,978.9 sparse); H100 PCIe FP32 51.2, 756.5 dense
    // (1,513 sparse); H100 NVL datasheet: FP32 60, BF16/FP16 1,671 sparse.
    {"NVIDIA H100 SXM", 67 * T, 989.4 * T, 989.4 * T, "NVIDIA H100 datasheet / architecture whitepaper"},
    {"NVIDIA H100 PCIe", 51.2 * T, 756.5 * T, 756.5 * T, "NVIDIA H100 datasheet / architecture whitepaper"},
    {"NVIDIA H100 NVL", 60 * T, 835.5 * T, 835.5 * T, "NVIDIA H100 NVL datasheet (1,671 TFLOP/s sparse)"},
    // NVIDIA H200 Tensor Core GPU datasheet: H200 SXM FP32 67, BF16/FP16 1,979 sparse; H200 NVL FP32 60,
    // 1,671 sparse (the H100's compute with more memory).
    {"NVIDIA H200 SXM", 67 * T, 989.5 * T, 989.5 * T, "NVIDIA H200 datasheet (1,979 TFLOP/s sparse)"},
    {"NVIDIA H200 NVL", 60 * T, 835.5 * T, 835.5 * T, "NVIDIA H200 datasheet (1,671 TFLOP/s sparse)"},
    // NVIDIA A100 Tensor Core GPU datasheet: FP32 19.5, BF16/FP16 312 (624 sparse), SXM and PCIe, 40 and 80 GB.
    {"NVIDIA A100", 19.5 * T, 312 * T, 312 * T, "NVIDIA A100 datasheet"},
    // NVIDIA L40S datasheet: FP32 91.6, BF16/FP16 362.05 (733 sparse).
    {"NVIDIA L40S", 91.6 * T, 362.05 * T, 362.05 * T, "NVIDIA L40S datasheet"},
    // NVIDIA L4 datasheet: FP32 30.3, BF16/FP16 242 sparse.
    {"NVIDIA L4", 30.3 * T, 121 * T, 121 * T, "NVIDIA L4 datasheet (242 TFLOP/s sparse)"},
    // NVIDIA A10 datasheet: FP32 31.2, BF16/FP16 125 (250 sparse).
    {"NVIDIA A10", 31.2 * T, 125 * T, 125 * T, "NVIDIA A10 datasheet"},
    // NVIDIA RTX A6000 datasheet: FP32 38.7, tensor 309.7 sparse.
    {"NVIDIA RTX A6000", 38.7 * T, 154.8 * T, 154.8 * T, "NVIDIA RTX A6000 datasheet (309.7 TFLOP/s sparse)"},
    // "NVIDIA Ada GPU Architecture" whitepaper, appendix A, table 2: RTX 4090 FP32 82.6, FP16/BF16 tensor with
    // FP32 accumulate 165.2 (330.4 sparse); RTX 4080 FP32 48.7, 97.5 (194.9 sparse).
    {"NVIDIA GeForce RTX 4090", 82.6 * T, 165.2 * T, 165.2 * T, "NVIDIA Ada GPU Architecture whitepaper, table 2"},
    {"NVIDIA GeForce RTX 4080", 48.7 * T, 97.5 * T, 97.5 * T, "NVIDIA Ada GPU Architecture whitepaper, table 2"},
    // "NVIDIA Ampere GA102 GPU Architecture" whitepaper, table 9: RTX 3090 FP32 35.6, FP16/BF16 tensor with FP32
    // accumulate 71 (142 sparse).
    {"NVIDIA GeForce RTX 3090", 35.6 * T, 71 * T, 71 * T, "NVIDIA Ampere GA102 GPU Architecture whitepaper, table 9"},
};

// How CUDA names the cards (cudaDeviceProp::name), matched whole and case-insensitively after "NVIDIA " and
// "GeForce " are dropped; an unlisted variant (RTX 4090 D, H100 with another memory) falls back to measuring.
struct NamePattern {
    const char *regex;
    const char *card;
};
const NamePattern kNames[] = {
    {"h100 80gb hbm3|h100 sxm5?( .*)?", "NVIDIA H100 SXM"},
    {"h100 pcie( .*)?", "NVIDIA H100 PCIe"},
    {"h100 nvl( .*)?", "NVIDIA H100 NVL"},
    {"h200( sxm.*| 141gb hbm3e)?", "NVIDIA H200 SXM"},
    {"h200 nvl( .*)?", "NVIDIA H200 NVL"},
    {"a100[- ](sxm4?|pcie)[- ](40|80)gb|a100 (40|80)gb (pcie|sxm4?)|a100-sxm-80gb", "NVIDIA A100"},
    {"l40s", "NVIDIA L40S"},
    {"l4", "NVIDIA L4"},
    {"a10", "NVIDIA A10"},
    {"rtx a6000", "NVIDIA RTX A6000"},
    {"rtx 4090", "NVIDIA GeForce RTX 4090"},
    {"rtx 4080", "NVIDIA GeForce RTX 4080"},
    {"rtx 3090", "NVIDIA GeForce RTX 3090"},
};

std::string normalisedName(std::string name)
{
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return std::tolower(ch); });
    for (const char *prefix : {"nvidia ", "geforce "})
        if (name.rfind(prefix, 0) == 0) name.erase(0, std::char_traits<char>::length(prefix));
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
    return name;
}

std::string tflops(double flops)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", flops / T);
    return buf;
}

}  // namespace

const RatedPeak *ratedPeak(const std::string &gpuName)
{
    const std::string name = normalisedName(gpuName);
    for (const NamePattern &p : kNames) {
        if (!std::regex_match(name, std::regex(p.regex))) continue;
        for (const RatedPeak &r : kTable)
            if (std::string(r.card) == p.card) return &r;
    }
    return nullptr;
}

double ratedPeakFlops(const RatedPeak &peak, const std::string &dtype)
{
    if (dtype == "fp32") return peak.fp32;
    if (dtype == "bf16") return peak.bf16;
    if (dtype == "fp16") return peak.fp16;
    return 0;
}

int measuredPeakMatmulSize(const std::string &device)
{
    return device.rfind("cuda", 0) == 0 ? 4096 : 2048;
}

PeakFlops mfuPeakFlops(const std::string &device, const std::string &dtype, double seconds)
{
    PeakFlops p;
    std::string gpuName;
    if (device.rfind("cuda", 0) == 0) {
        const int index = device.size() > 5 ? std::stoi(device.substr(5)) : 0;
        for (const kernels::GpuInfo &g : kernels::runtimeInfo().gpus)
            if (g.index == index) gpuName = g.name;
        if (const RatedPeak *r = ratedPeak(gpuName)) {
            const double flops = ratedPeakFlops(*r, dtype);
            if (flops > 0) {
                p.flops = flops;
                p.rated = true;
                p.basis = kRatedPeak(dtype, r->card, tflops(flops), r->source);
                return p;
            }
        }
    }
    const int n = measuredPeakMatmulSize(device);
    p.flops = kernels::measureMatmulFlops(device, dtype, n, seconds);
    p.basis = gpuName.empty() ? kMeasuredPeak(dtype, device, n, tflops(p.flops))
                              : kMeasuredPeakUnknownGpu(dtype, gpuName, n, tflops(p.flops));
    return p;
}

PeakFlops givenPeakFlops(double flops)
{
    PeakFlops p;
    p.flops = flops;
    p.basis = kGivenPeak(tflops(flops));
    return p;
}

}  // namespace danka::core

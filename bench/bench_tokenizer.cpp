// Tokenizer encode throughput on the lines of a JSONL file, without the rest of the data pipeline:
//   bench_tokenizer TOKENIZER_DIR FILE.jsonl
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/tokenizer/tokenizer.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s TOKENIZER_DIR FILE.jsonl\n", argv[0]);
        return 2;
    }
    const auto tok = danka::core::tokenizer::Tokenizer::load(argv[1]);
    std::vector<std::string> texts;
    std::ifstream in(argv[2]);
    std::string line;
    double bytes = 0;
    while (std::getline(in, line)) {
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object() || !j.contains("text")) continue;
        texts.push_back(j["text"].get<std::string>());
        bytes += static_cast<double>(texts.back().size());
    }
    const auto start = std::chrono::steady_clock::now();
    size_t tokens = 0;
    for (const auto &t : texts) tokens += tok.encode(t).size();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%.1f MB in %.2f s: %.2f MB/s, %zu tokens\n", bytes / 1e6, seconds, bytes / 1e6 / seconds, tokens);
}

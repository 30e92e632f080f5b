// Tokenizer training (see trainer.h).
#include "core/tokenizer/trainer.h"

#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <deque>
#include <unordered_map>
#include <unordered_set>

#include "core/data/cleaning.h"
#include "core/data/reader.h"
#include "core/util/utf8.h"
#include "core/util/error.h"
#include "core/util/hashing.h"
#include "core/run/job.h"
#include "core/util/staging_dir.h"
#include "core/store/experiment_store.h"
#include "core/store/records.h"
#include "core/version.h"
#include "kernels/runtime.h"
#include "core/tokenizer/hf_export.h"

namespace fs = std::filesystem;

namespace danka::core::tokenizer {

std::vector<std::string> markersFor(const std::vector<std::string> &domains)
{
    std::vector<std::string> markers = kStandardMarkers;
    for (const std::string &d : domains) markers.push_back("[DOMAIN:" + d + "]");
    return markers;
}

namespace {

// Reads the cleaned records of every input once: a seeded reservoir sample of at most maxSentences lines
// for training (bounded memory), a deterministic held-out sample (by hash) for measuring compression, and
// the frequency of every character, from which the character coverage is chosen.
class CorpusSampler {
public:
    CorpusSampler(const TokenizerTrainOptions &options, JobContext &job, uint64_t totalBytes)
        : m_options(options), m_job(job), m_cleaner(options.cleaning), m_totalBytes(totalBytes), m_rng(options.seed)
    {
    }

    void run()
    {
        uint64_t doneBytes = 0;
        for (const std::string &input : m_options.inputs) {
            data::RecordReader reader(input, m_options.format);
            data::Record record;
            while (reader.next(record)) {
                if ((++records & 1023) == 0) {
                    m_job.checkpoint();
                    m_job.setProgress(0.5 * static_cast<double>(doneBytes + reader.bytesRead()) /
                                          std::max<double>(1.0, static_cast<double>(m_totalBytes)),
                                      "reading " + fs::path(input).filename().string() + ": " +
                                          std::to_string(seen) + " lines");
                }
                if (m_cleaner.clean(record, cleaning)) addText(data::recordText(record));
            }
            doneBytes += reader.fileSize();
            rejects.merge(reader.rejects());
        }
    }

    std::vector<std::string> sample, heldZh, heldEn;
    std::unordered_map<char32_t, int64_t> charCounts;
    int64_t seen = 0;     // training lines seen (before sampling)
    int64_t records = 0;
    data::RejectReport rejects;
    data::CleaningReport cleaning;

private:
    void addText(const std::string &text)
    {
        size_t begin = 0;
        while (begin < text.size()) {
            size_t end = text.find('\n', begin);
            if (end == std::string::npos) end = text.size();
            std::string_view line(text.data() + begin, end - begin);
            begin = end + 1;
            if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
            // Cut long lines at character boundaries: SentencePiece skips lines over its byte limit.
            while (!line.empty()) {
                const std::string_view piece = utf8::prefix(line, static_cast<size_t>(m_options.maxSentenceChars));
                line.remove_prefix(piece.size());
                addLine(piece);
            }
        }
    }

    void addLine(std::string_view line)
    {
        const uint64_t h = hash64(line, m_options.seed);
        if (static_cast<double>(h % 1000000) < m_options.heldOutFraction * 1e6) {
            const data::Language language = data::detectLanguage(line);
            auto &held = language == data::Language::Zh ? heldZh : heldEn;
            if ((language == data::Language::Zh || language == data::Language::En) &&
                static_cast<int64_t>(held.size()) < m_options.maxHeldOutLines)
                held.emplace_back(line);
            return;
        }
        for (size_t pos = 0; pos < line.size();) ++charCounts[utf8::next(line, pos)];
        // Reservoir sampling (Vitter's algorithm R): every line has the same chance to be kept.
        ++seen;
        if (static_cast<int64_t>(sample.size()) < m_options.maxSentences) {
            sample.emplace_back(line);
        } else {
            const auto j = static_cast<int64_t>(m_rng() % static_cast<uint64_t>(seen));
            if (j < m_options.maxSentences) sample[static_cast<size_t>(j)] = std::string(line);
        }
    }

    const TokenizerTrainOptions &m_options;
    JobContext &m_job;
    data::Cleaner m_cleaner;
    uint64_t m_totalBytes;
    std::mt19937_64 m_rng;
};

// Hands the sample to SentencePiece, cut at every character outside `kept` (those become byte-fallback
// tokens), releasing each line once it has been read.
class SampleIterator : public sentencepiece::SentenceIterator {
public:
    SampleIterator(std::vector<std::string> &lines, const std::unordered_set<char32_t> &kept)
        : m_lines(lines), m_kept(kept)
    {
        fill();
    }
    bool done() const override { return m_pieces.empty(); }
    void Next() override
    {
        m_pieces.pop_front();
        if (m_pieces.empty()) fill();
    }
    const std::string &value() const override { return m_pieces.front(); }
    sentencepiece::util::Status status() const override { return {}; }

private:
    void fill()
    {
        while (m_pieces.empty() && m_index < m_lines.size()) {
            std::string line;
            line.swap(m_lines[m_index++]);
            std::string piece;
            for (size_t pos = 0; pos < line.size();) {
                const size_t start = pos;
                const char32_t c = utf8::next(line, pos);
                if (m_kept.count(c)) {
                    piece.append(line, start, pos - start);
                } else if (!piece.empty()) {
                    m_pieces.push_back(std::move(piece));
                    piece.clear();
                }
            }
            if (!piece.empty()) m_pieces.push_back(std::move(piece));
        }
    }
    std::vector<std::string> &m_lines;
    const std::unordered_set<char32_t> &m_kept;
    size_t m_index = 0;
    std::deque<std::string> m_pieces;
};

// The characters that get their own piece: the most frequent ones until they cover `wanted` of all
// character occurrences, but no more than half of what the vocabulary has left after the 256 byte pieces,
// the markers and the four specials (the other half is for merges). SentencePiece itself only accepts a
// coverage of 0.98 or more, which for Chinese text can need more characters than a small vocabulary holds.
std::unordered_set<char32_t> chooseCharacters(const std::unordered_map<char32_t, int64_t> &counts, double wanted,
                                              int vocabSize, size_t markers, double *coverage)
{
    std::vector<std::pair<int64_t, char32_t>> byFrequency;
    int64_t total = 0;
    for (const auto &[c, n] : counts) {
        byFrequency.emplace_back(n, c);
        total += n;
    }
    std::sort(byFrequency.begin(), byFrequency.end(), [](const auto &a, const auto &b) {
        return a.first != b.first ? a.first > b.first : a.second < b.second;  // deterministic order
    });
    const auto budget = static_cast<size_t>(std::max<int64_t>(16, (vocabSize - 256 - static_cast<int64_t>(markers) - 4) / 2));
    std::unordered_set<char32_t> kept;
    int64_t covered = 0;
    for (const auto &[n, c] : byFrequency) {
        if (kept.size() >= budget) break;
        if (total > 0 && static_cast<double>(covered) / static_cast<double>(total) >= wanted) break;
        kept.insert(c);
        covered += n;
    }
    *coverage = total > 0 ? static_cast<double>(covered) / static_cast<double>(total) : 1.0;
    return kept;
}

std::string joinComma(const std::vector<std::string> &items)
{
    std::string out;
    for (const std::string &s : items) out += (out.empty() ? "" : ",") + s;
    return out;
}

void writeJson(const fs::path &path, const nlohmann::ordered_json &j)
{
    std::ofstream out(path);
    out << j.dump(2) << '\n';
    if (!out) throw Error("cannot write " + path.string());
}

}  // namespace

TokenizerTrainResult trainTokenizer(const TokenizerTrainOptions &o, const std::string &outDir, JobContext &job)
{
    if (o.inputs.empty()) throw Error("tokenizer train: no input files");
    if (o.vocabSize < 300 || o.vocabSize > 65536)
        throw Error("tokenizer train: vocabulary size " + std::to_string(o.vocabSize) +
                    " is outside [300, 65536] (byte fallback alone needs 256 pieces)");
    uint64_t totalBytes = 0;
    for (const std::string &in : o.inputs) {
        std::error_code ec;
        const auto size = fs::file_size(in, ec);
        if (ec) throw Error("cannot read " + in + ": " + ec.message());
        totalBytes += size;
    }
    const auto start = std::chrono::steady_clock::now();
    const std::vector<std::string> markers = markersFor(o.domains);
    const int threads = o.threads > 0 ? o.threads : static_cast<int>(kernels::hardwareThreadCount());

    // SentencePiece options. The model normalises its input the way cleaning normalised the training text
    // (NFKC, or nothing), so every client encodes alike: Danka's chat, data prepare, Hugging Face. No dummy
    // prefix or whitespace folding: decode(encode(x)) == normalise(x), and segments encode the same alone or
    // joined.
    std::unordered_map<std::string, std::string> args = {
        {"model_type", "bpe"},
        {"vocab_size", std::to_string(o.vocabSize)},
        {"character_coverage", "1.0"},  // of the lines as cut by SampleIterator: exactly the chosen characters
        {"byte_fallback", "true"},
        {"split_digits", "true"},
        {"allow_whitespace_only_pieces", "true"},
        {"remove_extra_whitespaces", "false"},
        {"add_dummy_prefix", "false"},
        {"normalization_rule_name", o.cleaning.nfkc ? "nfkc" : "identity"},
        {"user_defined_symbols", joinComma(markers)},
        {"unk_id", "0"}, {"bos_id", "1"}, {"eos_id", "2"}, {"pad_id", "3"},
        {"unk_piece", "<unk>"}, {"bos_piece", "<s>"}, {"eos_piece", "</s>"}, {"pad_piece", "<pad>"},
        {"input_sentence_size", "0"},            // Danka samples itself (CorpusSampler)
        {"shuffle_input_sentence", "false"},
        {"max_sentence_length", std::to_string(o.maxSentenceChars * 4 + 16)},
        {"num_threads", std::to_string(threads)},
        {"hard_vocab_limit", "false"},
        {"minloglevel", "2"},
        {"model_prefix", ""},
    };
    CorpusSampler corpus(o, job, totalBytes);
    corpus.run();
    if (corpus.sample.empty())
        throw Error("tokenizer train: no usable text in the input (" + std::to_string(corpus.rejects.total) +
                    " records unreadable, " + std::to_string(corpus.cleaning.recordsIn - corpus.cleaning.recordsOut) +
                    " removed by cleaning)");
    double coverage = 1.0;
    const std::unordered_set<char32_t> kept =
        chooseCharacters(corpus.charCounts, o.characterCoverage, o.vocabSize, markers.size(), &coverage);
    const auto charsKept = static_cast<int64_t>(kept.size());
    job.setProgress(0.5, "training BPE on " + std::to_string(corpus.sample.size()) + " lines");
    sentencepiece::SetRandomGeneratorSeed(o.seed);
    std::string serialized;
    SampleIterator lines(corpus.sample, kept);
    const auto status = sentencepiece::SentencePieceTrainer::Train(args, &lines, &serialized);
    std::vector<std::string>().swap(corpus.sample);
    if (!status.ok()) throw Error("tokenizer train: SentencePiece failed: " + status.ToString());

    Tokenizer tokenizer = Tokenizer::fromSerialized(serialized);
    for (const std::string &m : markers)
        if (tokenizer.pieceId(m) < 0) throw Error("tokenizer train: marker " + m + " did not become a piece");
    job.setProgress(0.95, "measuring on held-out lines");
    TokenizerTrainResult result;
    result.inputs = o.inputs;
    result.stats = tokenizer.measure(corpus.heldZh, corpus.heldEn);
    result.vocabSize = tokenizer.vocabSize();
    result.sentences = corpus.seen;
    result.characterCoverage = coverage;
    result.charactersKept = charsKept;
    result.records = corpus.records;
    result.rejects = corpus.rejects;
    result.cleaning = corpus.cleaning;
    result.checksum = tokenizer.checksum();
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    // Write next to the destination, then swap it in: a crash leaves either the old tokenizer or the new.
    StagingDir staging(outDir);
    const fs::path &temp = staging.path();
    {
        std::ofstream model(temp / "tokenizer.model", std::ios::binary);
        model.write(serialized.data(), static_cast<std::streamsize>(serialized.size()));
        if (!model) throw Error("cannot write " + (temp / "tokenizer.model").string());
    }
    nlohmann::ordered_json markerJson = nlohmann::ordered_json::array();
    for (const std::string &m : markers) markerJson.push_back({{"piece", m}, {"id", tokenizer.pieceId(m)}});
    nlohmann::ordered_json inputs = nlohmann::ordered_json::array();
    for (const std::string &in : o.inputs) inputs.push_back(fs::absolute(in).string());
    const nlohmann::ordered_json meta = {
        {"format", "danka-tokenizer"},
        {"version", 1},
        {"model_type", "bpe"},
        {"vocab_size", result.vocabSize},
        {"requested_vocab_size", o.vocabSize},
        {"checksum", result.checksum},
        {"special", {{"unk", tokenizer.unkId()}, {"bos", tokenizer.bosId()}, {"eos", tokenizer.eosId()},
                     {"pad", tokenizer.padId()}}},
        {"markers", markerJson},
        {"chat_template", "chatml"},
        {"byte_fallback", true},
        {"normalization", o.cleaning.nfkc ? "nfkc" : "none"},
        {"character_coverage", coverage},
        {"single_character_pieces", charsKept},
        {"trained_on", inputs},
        {"records", result.records},
        {"sentences", result.sentences},
        {"stats", {{"chars_per_token_zh", result.stats.charsPerTokenZh},
                   {"chars_per_token_en", result.stats.charsPerTokenEn},
                   {"byte_fallback_share", result.stats.byteFallbackShare},
                   {"held_out_lines_zh", result.stats.heldOutLinesZh},
                   {"held_out_lines_en", result.stats.heldOutLinesEn}}},
        {"cleaning", result.cleaning.toJson()},
        {"training_seconds", result.seconds},
        {"created_at", nowSeconds()},
        {"danka_version", DANKA_VERSION},
    };
    writeJson(temp / "danka_tokenizer.json", meta);
    writeHuggingFaceFiles(tokenizer, temp.string(), o.cleaning.nfkc, 32768);
    result.dir = staging.publish();
    job.setProgress(1.0, "done");
    return result;
}

int64_t recordTokenizer(const std::string &databasePath, const TokenizerTrainResult &result, const std::string &name)
{
    TokenizerRecord record;
    record.name = name.empty() ? fs::path(result.dir).filename().string() : name;
    record.path = result.dir;
    record.vocabSize = result.vocabSize;
    record.checksum = result.checksum;
    record.infoJson = nlohmann::json{{"chars_per_token_zh", result.stats.charsPerTokenZh},
                                     {"chars_per_token_en", result.stats.charsPerTokenEn},
                                     {"byte_fallback_share", result.stats.byteFallbackShare},
                                     {"inputs", result.inputs}}
                          .dump();
    ExperimentStore store(databasePath);
    return store.registerTokenizer(record);
}

}  // namespace danka::core::tokenizer

// `danka-cli tokenizer train|encode|inspect` and `danka-cli data prepare|inspect`: the data pipeline from
// raw files to tokenized shards. Trained tokenizers and prepared datasets are registered in the workspace.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "app/cli/commands.h"
#include "core/data/cleaning.h"
#include "core/data/dataset.h"
#include "core/data/dedup.h"
#include "core/data/prepare.h"
#include "core/data/reader.h"
#include "core/util/error.h"
#include "core/run/job.h"
#include "core/util/text_util.h"
#include "core/tokenizer/chat_template.h"
#include "core/tokenizer/tokenizer.h"
#include "core/tokenizer/trainer.h"
#include "core/util/utf8.h"
#include "core/store/workspace.h"

namespace fs = std::filesystem;

namespace danka::cli {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// --- shared options ----------------------------------------------------------------------------------------

std::vector<std::string> splitList(const std::string &commaSeparated)
{
    std::vector<std::string> items;
    size_t begin = 0;
    while (begin < commaSeparated.size()) {
        size_t end = commaSeparated.find(',', begin);
        if (end == std::string::npos) end = commaSeparated.size();
        if (end > begin) items.push_back(commaSeparated.substr(begin, end - begin));
        begin = end + 1;
    }
    return items;
}

struct CleaningFlags {
    bool noNfkc = false, keepInvisible = false, keepWhitespace = false, noGarbage = false, langTokens = false;
    int64_t minChars = 1, maxChars = 0;
    double maxSymbolRatio = 0.5;
    std::string languages, domain;
    core::data::CleaningOptions options() const
    {
        core::data::CleaningOptions o;
        o.nfkc = !noNfkc;
        o.removeInvisible = !keepInvisible;
        o.normalizeWhitespace = !keepWhitespace;
        o.garbageFilter = !noGarbage;
        o.minChars = minChars;
        o.maxChars = maxChars;
        o.maxSymbolRatio = maxSymbolRatio;
        o.languageTokens = langTokens;
        o.domain = domain;
        o.keepLanguages = splitList(languages);
        return o;
    }
};

void addCleaningFlags(CLI::App *cmd, CleaningFlags &f)
{
    cmd->add_flag("--no-nfkc", f.noNfkc, "Skip Unicode NFKC normalisation");
    cmd->add_flag("--keep-invisible", f.keepInvisible, "Keep control and invisible format characters");
    cmd->add_flag("--keep-whitespace", f.keepWhitespace, "Keep whitespace as it is");
    cmd->add_flag("--no-garbage-filter", f.noGarbage, "Keep records the symbol/repetition heuristics reject");
    cmd->add_option("--min-chars", f.minChars, "Drop records shorter than this (characters)")->capture_default_str();
    cmd->add_option("--max-chars", f.maxChars, "Drop records longer than this (0 = no limit)")->capture_default_str();
    cmd->add_option("--max-symbol-ratio", f.maxSymbolRatio, "Garbage: most punctuation+symbols share")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    cmd->add_option("--languages", f.languages, "Keep only these language tags, e.g. zh,en (zh, en, mixed, other)")
        ->check([](const std::string &value) {
            for (const std::string &tag : splitList(value))
                if (!core::data::parseLanguage(tag))
                    return std::string("unknown language tag \"") + tag + "\" (use zh, en, mixed, other)";
            return std::string();
        });
    cmd->add_flag("--lang-tokens", f.langTokens, "Prefix text records with [LANG:zh|en|mixed]");
    cmd->add_option("--domain", f.domain, "Prefix text records with [DOMAIN:<name>]");
}

ordered_json rejectsJson(const core::data::RejectReport &r)
{
    ordered_json examples = ordered_json::array();
    for (const auto &e : r.examples) examples.push_back(e.toString());
    return {{"total", r.total}, {"by_reason", r.countsByReason}, {"examples", examples}};
}

void printRejects(const core::data::RejectReport &r)
{
    if (r.total == 0) return;
    std::cout << "Rejected input: " << r.total << " records\n";
    for (const auto &[reason, n] : r.countsByReason) std::cout << "  " << reason << ": " << n << "\n";
    for (const auto &e : r.examples) std::cout << "  " << e.toString() << "\n";
}

void printCleaning(const core::data::CleaningReport &c)
{
    std::cout << "Cleaning: " << c.recordsIn << " records in, " << c.recordsOut << " kept\n";
    std::vector<std::vector<std::string>> rows;
    for (const std::string &rule : core::data::kRuleNames) {
        auto it = c.rules.find(rule);
        if (it == c.rules.end()) continue;
        std::string example;
        if (!it->second.examples.empty()) {
            const auto &e = it->second.examples.front();
            example = e.file + ":" + std::to_string(e.line) + ": " + e.reason;
        }
        rows.push_back({"  " + rule, std::to_string(it->second.removed), std::to_string(it->second.modified), example});
    }
    if (!rows.empty()) printTable({"  RULE", "REMOVED", "CHANGED", "FIRST REMOVED"}, rows);
    std::string langs;
    for (const auto &[tag, n] : c.languages) langs += (langs.empty() ? "" : ", ") + tag + " " + std::to_string(n);
    if (!langs.empty()) std::cout << "Languages kept: " << langs << "\n";
}

std::string defaultName(const std::vector<std::string> &inputs)
{
    return fs::path(inputs.front()).stem().string();
}

// --- tokenizer ---------------------------------------------------------------------------------------------

struct TokenizerTrainArgs {
    std::vector<std::string> inputs;
    std::string out, format = "auto", domains;
    int vocabSize = 6400;
    double coverage = 0.9995;
    int64_t maxSentences = 2000000;
    CleaningFlags cleaning;
};

int trainTokenizer(const Options &options, const TokenizerTrainArgs &a)
{
    const core::Workspace ws = core::Workspace::open(core::Workspace::resolvePath(options.workspace));
    core::tokenizer::TokenizerTrainOptions o;
    o.inputs = a.inputs;
    if (!core::data::parseDataFormat(a.format, o.format)) throw core::Error("unknown --format " + a.format);
    o.vocabSize = a.vocabSize;
    o.characterCoverage = a.coverage;
    o.maxSentences = a.maxSentences;
    o.cleaning = a.cleaning.options();
    o.threads = options.threads > 0 ? options.threads : 0;
    o.domains = splitList(a.domains);
    const std::string out = a.out.empty() ? (fs::path(ws.tokenizersDir()) / defaultName(a.inputs)).string() : a.out;
    core::tokenizer::TokenizerTrainResult result;
    const int code = runJob(options, "tokenizer training",
                            [&](core::JobContext &job) { result = core::tokenizer::trainTokenizer(o, out, job); });
    if (code != kExitOk) return code;

    const int64_t id = core::tokenizer::recordTokenizer(ws.databasePath(), result);

    if (options.json) {
        printJson({{"tokenizer", result.dir},
                   {"id", id},
                   {"vocab_size", result.vocabSize},
                   {"checksum", result.checksum},
                   {"records", result.records},
                   {"sentences", result.sentences},
                   {"chars_per_token", {{"zh", result.stats.charsPerTokenZh}, {"en", result.stats.charsPerTokenEn}}},
                   {"byte_fallback_share", result.stats.byteFallbackShare},
                   {"seconds", result.seconds},
                   {"rejected", rejectsJson(result.rejects)},
                   {"cleaning", result.cleaning.toJson()}});
        return kExitOk;
    }
    printRejects(result.rejects);
    char line[256];
    std::snprintf(line, sizeof line,
                  "Trained %d-piece BPE on %lld lines in %.1f s\n"
                  "Held-out chars per token: zh %.2f (%lld lines), en %.2f (%lld lines); byte fallback %.2f%% of tokens\n",
                  result.vocabSize, static_cast<long long>(result.sentences), result.seconds,
                  result.stats.charsPerTokenZh, static_cast<long long>(result.stats.heldOutLinesZh),
                  result.stats.charsPerTokenEn, static_cast<long long>(result.stats.heldOutLinesEn),
                  100.0 * result.stats.byteFallbackShare);
    std::cout << line << "Wrote " << result.dir << " (registered as tokenizer " << id << ")" << std::endl;
    return kExitOk;
}

// `--chat`: TEXT is a JSON list of {"role", "content"} turns, encoded with the chat template.
std::vector<int32_t> encodeChatArgument(const core::tokenizer::Tokenizer &tok, const std::string &text,
                                        std::vector<uint8_t> &mask)
{
    const json turns = json::parse(text, nullptr, false);
    if (!turns.is_array()) throw core::Error("--chat expects a JSON list of {\"role\", \"content\"} turns");
    std::vector<core::data::Message> messages;
    for (size_t i = 0; i < turns.size(); ++i) {
        const json &t = turns[i];
        if (!t.is_object() || !t.contains("role") || !t["role"].is_string() || !t.contains("content") ||
            !t["content"].is_string())
            throw core::Error("--chat: turn " + std::to_string(i) + " needs string \"role\" and \"content\"");
        messages.push_back({t["role"].get<std::string>(), t["content"].get<std::string>()});
    }
    const core::tokenizer::EncodedSequence seq = core::tokenizer::encodeConversation(tok, messages);
    mask = seq.lossMask;
    return seq.ids;
}

int encodeText(const Options &options, const std::string &dir, const std::string &text, bool chat)
{
    if (const size_t bad = core::utf8::firstInvalid(text); bad != core::utf8::kValid)
        throw core::Error("the text is not valid UTF-8 (byte " + std::to_string(bad + 1) + ")");
    const auto tok = core::tokenizer::Tokenizer::load(dir);
    std::vector<uint8_t> mask;
    const std::vector<int32_t> ids = chat ? encodeChatArgument(tok, text, mask) : tok.encode(text);
    std::vector<std::string> pieces;
    for (int32_t id : ids) pieces.push_back(tok.piece(id));
    const std::string decoded = tok.decode(ids);
    if (options.json) {
        json out = {{"ids", ids}, {"pieces", pieces}, {"decoded", decoded}};
        if (chat) out["loss_mask"] = mask;
        printJson(out);
        return kExitOk;
    }
    std::string idLine, pieceLine;
    for (size_t i = 0; i < ids.size(); ++i) {
        idLine += (i ? " " : "") + std::to_string(ids[i]);
        // With --chat, pieces that carry loss are shown in [brackets].
        const bool target = chat && mask[i];
        pieceLine += (i ? " | " : "") + (target ? "[" + pieces[i] + "]" : pieces[i]);
    }
    std::cout << "ids:     " << idLine << "\npieces:  " << pieceLine << "\ndecoded: " << decoded << "\n";
    if (chat) {
        std::cout << ids.size() << " tokens, " << std::count(mask.begin(), mask.end(), 1) << " with loss ([...])" << std::endl;
    } else {
        const size_t chars = core::utf8::length(text);
        std::cout << ids.size() << " tokens, " << chars << " characters, "
                  << core::formatNumber(ids.empty() ? 0 : std::round(100.0 * chars / ids.size()) / 100) << " chars/token"
                  << std::endl;
    }
    return kExitOk;
}

int inspectTokenizer(const Options &options, const std::string &dir)
{
    const auto tok = core::tokenizer::Tokenizer::load(dir);
    ordered_json markers = ordered_json::array();
    for (const std::string &m : tok.markers()) markers.push_back({{"piece", m}, {"id", tok.pieceId(m)}});
    int64_t bytes = 0;
    for (int32_t id = 0; id < tok.vocabSize(); ++id) bytes += tok.isByte(id);
    ordered_json hf = ordered_json::object();
    for (const char *f : {"tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "danka_tokenizer.json"})
        hf[f] = fs::exists(fs::path(dir) / f);
    const json &meta = tok.metadata();
    ordered_json out = {{"dir", fs::absolute(dir).string()},
                        {"vocab_size", tok.vocabSize()},
                        {"byte_pieces", bytes},
                        {"special", {{"unk", tok.unkId()}, {"bos", tok.bosId()}, {"eos", tok.eosId()}, {"pad", tok.padId()}}},
                        {"markers", markers},
                        {"checksum", tok.checksum()},
                        {"files", hf}};
    if (meta.contains("stats")) out["stats"] = meta["stats"];
    if (meta.contains("trained_on")) out["trained_on"] = meta["trained_on"];
    if (options.json) {
        printOrderedJson(out);
        return kExitOk;
    }
    std::cout << "Tokenizer " << out["dir"].get<std::string>() << "\n"
              << "  vocabulary   " << tok.vocabSize() << " pieces (" << bytes << " byte-fallback pieces)\n"
              << "  special      <unk> " << tok.unkId() << ", <s> " << tok.bosId() << ", </s> " << tok.eosId()
              << ", <pad> " << tok.padId() << "\n"
              << "  checksum     " << tok.checksum() << "\n  markers     ";
    for (const auto &m : markers) std::cout << " " << m["piece"].get<std::string>() << "=" << m["id"].get<int>();
    std::cout << "\n";
    if (meta.contains("stats")) {
        const json &s = meta["stats"];
        char line[200];
        std::snprintf(line, sizeof line, "  compression  zh %.2f, en %.2f chars/token; byte fallback %.2f%%\n",
                      s.value("chars_per_token_zh", 0.0), s.value("chars_per_token_en", 0.0),
                      100.0 * s.value("byte_fallback_share", 0.0));
        std::cout << line;
    }
    for (const auto &[file, present] : hf.items())
        if (!present.get<bool>()) std::cout << "  missing      " << file << "\n";
    return kExitOk;
}

// --- data --------------------------------------------------------------------------------------------------

struct PrepareArgs {
    std::vector<std::string> inputs;
    std::string tokenizer, out, format = "auto", dedup = "exact", name;
    double valFraction = 0.01, threshold = 0.8;
    int shingle = 5, permutations = 128, bands = 16;
    int64_t maxLength = 0;
    CleaningFlags cleaning;
};

int prepareData(const Options &options, const PrepareArgs &a)
{
    const core::Workspace ws = core::Workspace::open(core::Workspace::resolvePath(options.workspace));
    core::data::PrepareOptions o;
    o.inputs = a.inputs;
    o.tokenizerDir = a.tokenizer;
    o.outDir = a.out.empty() ? (fs::path(ws.datasetsDir()) / (a.name.empty() ? defaultName(a.inputs) : a.name)).string() : a.out;
    if (!core::data::parseDataFormat(a.format, o.format)) throw core::Error("unknown --format " + a.format);
    if (!core::data::parseDedupMode(a.dedup, o.dedup)) throw core::Error("unknown --dedup " + a.dedup);
    o.minhash = {a.shingle, a.permutations, a.bands, a.threshold};
    o.cleaning = a.cleaning.options();
    o.valFraction = a.valFraction;
    o.maxLength = a.maxLength;
    o.threads = options.threads > 0 ? options.threads : 0;
    o.name = a.name;
    core::data::PrepareResult r;
    const int code = runJob(options, "data preparation", [&](core::JobContext &job) { r = core::data::prepareDataset(o, job); });
    if (code != kExitOk) return code;

    const int64_t id = core::data::recordDataset(ws.databasePath(), r, a.tokenizer);

    if (options.json) {
        ordered_json out = r.info;
        out["dir"] = r.dir;
        out["id"] = id;
        printOrderedJson(out);
        return kExitOk;
    }
    printRejects(r.rejects);
    printCleaning(r.cleaning);
    if (r.tooLong > 0) std::cout << r.tooLong << " records over --max-length " << a.maxLength << " tokens were dropped\n";
    char line[320];
    std::snprintf(line, sizeof line,
                  "Prepared %s data from %s in %.1f s (%.1f MB/s): train %lld records / %s tokens, val %lld records / %s tokens (%s)\n",
                  core::data::datasetKindName(r.kind), core::formatBytes(static_cast<double>(r.bytesIn)).c_str(), r.seconds,
                  r.seconds > 0 ? static_cast<double>(r.bytesIn) / r.seconds / 1e6 : 0.0,
                  static_cast<long long>(r.trainRecords), core::formatCount(static_cast<double>(r.trainTokens)).c_str(),
                  static_cast<long long>(r.valRecords), core::formatCount(static_cast<double>(r.valTokens)).c_str(),
                  r.info["token_dtype"].get<std::string>().c_str());
    std::cout << line << "Wrote " << r.dir << " (registered as dataset " << id << ")" << std::endl;
    return kExitOk;
}

// `j`'s member `key` when it has one of type `type`, else null: dataset.json's optional parts (tokenizer,
// histogram, rejected lines) may be missing or of another type in a valid file; const operator[] on a
// missing key is undefined behaviour.
const json &member(const json &j, const char *key, json::value_t type)
{
    static const json none;
    if (!j.is_object()) return none;
    const auto it = j.find(key);
    return it != j.end() && it->type() == type ? *it : none;
}

// A prepared dataset folder: its summary, histogram and the first records decoded.
int inspectDataset(const Options &options, const std::string &dir, int show)
{
    const auto ds = core::data::Dataset::open(dir);
    const json &info = ds.info();
    const json &tokenizer = member(info, "tokenizer", json::value_t::object);
    const std::string tokenizerDir = tokenizer.is_object() ? tokenizer.value("dir", std::string()) : std::string();
    ordered_json samples = ordered_json::array();
    if (show > 0) {
        std::unique_ptr<core::tokenizer::Tokenizer> tok;
        try {
            tok = std::make_unique<core::tokenizer::Tokenizer>(
                core::tokenizer::Tokenizer::load(tokenizerDir));
        } catch (const core::Error &) {
            // the tokenizer moved: show ids only
        }
        const auto &train = ds.split("train");
        const int64_t records = train.numSegments() / ds.segmentsPerRecord();
        for (int64_t r = 0; r < std::min<int64_t>(show, records); ++r) {
            ordered_json sample = ordered_json::array();
            for (int s = 0; s < ds.segmentsPerRecord(); ++s) {
                const auto [b, e] = train.segment(r * ds.segmentsPerRecord() + s);
                std::vector<int32_t> ids(static_cast<size_t>(e - b));
                std::vector<uint8_t> mask(ids.size());
                train.readTokens(b, e - b, ids.data());
                train.readMask(b, e - b, mask.data());
                std::vector<int32_t> trained;
                for (size_t i = 0; i < ids.size(); ++i)
                    if (mask[i]) trained.push_back(ids[i]);
                ordered_json seg = {{"tokens", ids.size()}};
                if (tok) {
                    seg["text"] = tok->decode(ids);
                    if (ds.kind() != core::data::DatasetKind::Pretrain) seg["loss_on"] = tok->decode(trained);
                } else {
                    seg["ids"] = ids;
                }
                sample.push_back(seg);
            }
            samples.push_back(sample);
        }
    }
    if (options.json) {
        json out = info;
        out["samples"] = samples;
        printJson(out);
        return kExitOk;
    }
    std::cout << "Dataset " << fs::absolute(dir).string() << " (" << info.value("kind", std::string()) << ", "
              << info.value("token_dtype", std::string()) << ")\n";
    for (const char *split : {"train", "val"})
        if (ds.hasSplit(split))
            std::cout << "  " << split << ": " << ds.split(split).numSegments() / ds.segmentsPerRecord() << " records, "
                      << ds.split(split).numTokens() << " tokens\n";
    if (tokenizer.is_object())
        std::cout << "  tokenizer " << tokenizerDir << " (checksum "
                  << tokenizer.value("checksum", std::string()).substr(0, 12) << ")\n";
    else
        std::cout << "  tokenizer: not recorded in dataset.json\n";
    const json &hist = member(info, "length_histogram", json::value_t::object);
    std::vector<int64_t> edges, counts;
    for (const auto &[key, out] : {std::pair<const char *, std::vector<int64_t> *>{"edges", &edges}, {"counts", &counts}})
        for (const json &v : member(hist, key, json::value_t::array))
            if (v.is_number_integer()) out->push_back(v.get<int64_t>());
    if (!edges.empty()) std::cout << "Record lengths (tokens):\n";
    const int64_t most = counts.empty() ? 1 : std::max<int64_t>(1, *std::max_element(counts.begin(), counts.end()));
    for (size_t i = 0; i < edges.size() && i < counts.size(); ++i) {
        const std::string range = i + 1 < edges.size() ? std::to_string(edges[i]) + "-" + std::to_string(edges[i + 1] - 1)
                                                       : std::to_string(edges[i]) + "+";
        char line[128];
        std::snprintf(line, sizeof line, "  %12s %8lld %s\n", range.c_str(), static_cast<long long>(counts[i]),
                      std::string(static_cast<size_t>(40 * counts[i] / most), '#').c_str());
        std::cout << line;
    }
    const json &rejected = member(info, "rejected", json::value_t::object);
    const auto total = rejected.is_object() ? rejected.find("total") : rejected.end();
    if (total != rejected.end() && total->is_number_integer() && total->get<int64_t>() > 0) {
        std::cout << "Rejected input: " << total->get<int64_t>() << "\n";
        for (const auto &e : member(rejected, "examples", json::value_t::array))
            std::cout << "  " << (e.is_string() ? e.get<std::string>() : e.dump()) << "\n";
    }
    for (size_t i = 0; i < samples.size(); ++i) {
        std::cout << "--- record " << i << "\n";
        for (const auto &seg : samples[i]) {
            if (seg.contains("text")) std::cout << seg["text"].get<std::string>() << "\n";
            else std::cout << seg["ids"].dump() << "\n";
            if (seg.contains("loss_on")) std::cout << "[loss on: " << seg["loss_on"].get<std::string>() << "]\n";
        }
    }
    return kExitOk;
}

// A raw data file: its layout, what reading and cleaning would keep, and the first records.
int inspectFile(const Options &options, const std::string &path, const std::string &formatName, int show,
                const CleaningFlags &flags)
{
    core::data::DataFormat format;
    if (!core::data::parseDataFormat(formatName, format)) throw core::Error("unknown --format " + formatName);
    core::data::RecordReader reader(path, format);
    const core::data::Cleaner cleaner(flags.options());
    core::data::CleaningReport cleaning;
    core::data::Deduplicator dedup(core::data::DedupMode::Exact);
    std::vector<int64_t> charLengths;
    ordered_json samples = ordered_json::array();
    const int code = runJob(options, "inspect", [&](core::JobContext &job) {
        core::data::Record r;
        while (reader.next(r)) {
            if ((reader.records() & 4095) == 0) {
                job.checkpoint();
                job.setProgress(static_cast<double>(reader.bytesRead()) / std::max<double>(1, static_cast<double>(reader.fileSize())),
                                std::to_string(reader.records()) + " records");
            }
            if (static_cast<int>(samples.size()) < show) {
                ordered_json s = {{"line", r.line}, {"kind", core::data::recordKindName(r.kind)}};
                if (r.kind == core::data::RecordKind::Text) s["text"] = r.text;
                for (auto [name, turns] : {std::pair{"messages", &r.messages}, {"chosen", &r.chosen}, {"rejected", &r.rejected}}) {
                    if (turns->empty()) continue;
                    ordered_json list = ordered_json::array();
                    for (const auto &m : *turns) list.push_back({{"role", m.role}, {"content", m.content}});
                    s[name] = list;
                }
                samples.push_back(s);
            }
            if (!cleaner.clean(r, cleaning)) continue;
            const std::string text = core::data::recordText(r);
            if (const std::string rule = dedup.check(dedup.fingerprint(text)); !rule.empty()) {
                cleaning.dropKept(rule, r);
                continue;
            }
            charLengths.push_back(static_cast<int64_t>(core::utf8::length(text)));
        }
    });
    if (code != kExitOk) return code;
    std::sort(charLengths.begin(), charLengths.end());
    auto quantile = [&](double q) {
        return charLengths.empty() ? 0 : charLengths[static_cast<size_t>(q * static_cast<double>(charLengths.size() - 1))];
    };
    if (options.json) {
        printOrderedJson({{"file", path},
                          {"format", core::data::dataFormatName(reader.format())},
                          {"bytes", reader.fileSize()},
                          {"records", reader.records()},
                          {"rejected", rejectsJson(reader.rejects())},
                          {"cleaning", cleaning.toJson()},
                          {"chars", {{"min", quantile(0)}, {"median", quantile(0.5)}, {"p95", quantile(0.95)}, {"max", quantile(1)}}},
                          {"samples", samples}});
        return kExitOk;
    }
    std::cout << path << ": " << core::data::dataFormatName(reader.format()) << " layout, "
              << core::formatBytes(static_cast<double>(reader.fileSize())) << ", " << reader.records()
              << " readable records\n";
    printRejects(reader.rejects());
    printCleaning(cleaning);
    std::cout << "Characters per kept record: min " << quantile(0) << ", median " << quantile(0.5) << ", p95 "
              << quantile(0.95) << ", max " << quantile(1) << "\n";
    for (const auto &s : samples) std::cout << "--- line " << s["line"] << "\n" << s.dump(2) << "\n";
    return kExitOk;
}

}  // namespace

void addTokenizerCommands(CLI::App &app, const Options &options, Action &action)
{
    CLI::App *tok = app.add_subcommand("tokenizer", "Train, test and inspect SentencePiece BPE tokenizers");
    tok->require_subcommand(1);

    auto t = std::make_shared<TokenizerTrainArgs>();
    CLI::App *train = tok->add_subcommand("train", "Train a BPE tokenizer (byte fallback, chat/reasoning markers)");
    train->add_option("--input", t->inputs, "Data files (any layout data prepare reads)")->required()->check(CLI::ExistingFile);
    train->add_option("--vocab-size", t->vocabSize, "Vocabulary size")->check(CLI::Range(300, 65536))->capture_default_str();
    train->add_option("--out", t->out, "Output folder (default: the workspace's tokenizers/<first input>)");
    train->add_option("--format", t->format, "Input layout: auto, text, pretrain, sft, dpo, alpaca, sharegpt")->capture_default_str();
    train->add_option("--character-coverage", t->coverage, "Share of characters covered by pieces")
        ->check(CLI::Range(0.9, 1.0))
        ->capture_default_str();
    train->add_option("--max-sentences", t->maxSentences, "Lines sampled for training (bounds memory)")->capture_default_str();
    train->add_option("--domains", t->domains, "Comma-separated domains that get [DOMAIN:x] markers");
    addCleaningFlags(train, t->cleaning);
    train->callback([&, t] { action = [&, t] { return trainTokenizer(options, *t); }; });

    struct EncodeArgs {
        std::string tokenizer, text;
        bool chat = false;
    };
    auto encodeArgs = std::make_shared<EncodeArgs>();
    CLI::App *encode = tok->add_subcommand("encode", "Show the ids and pieces of a text, and its decoding");
    encode->add_option("--tokenizer", encodeArgs->tokenizer, "Tokenizer folder")->required();
    encode->add_option("TEXT", encodeArgs->text, "Text to encode")->required();
    encode->add_flag("--chat", encodeArgs->chat,
                     "TEXT is a JSON list of {\"role\", \"content\"} turns: encode with the chat template and show "
                     "the loss mask");
    encode->callback([&, encodeArgs] {
        action = [&, encodeArgs] { return encodeText(options, encodeArgs->tokenizer, encodeArgs->text, encodeArgs->chat); };
    });

    auto inspectDir = std::make_shared<std::string>();
    CLI::App *inspect = tok->add_subcommand("inspect", "Vocabulary, special ids, markers and compression of a tokenizer");
    inspect->add_option("DIR", *inspectDir, "Tokenizer folder")->required();
    inspect->callback([&, inspectDir] { action = [&, inspectDir] { return inspectTokenizer(options, *inspectDir); }; });
}

void addDataCommands(CLI::App &app, const Options &options, Action &action)
{
    CLI::App *data = app.add_subcommand("data", "Prepare and inspect training data");
    data->require_subcommand(1);

    auto p = std::make_shared<PrepareArgs>();
    CLI::App *prepare = data->add_subcommand("prepare", "Clean, deduplicate and tokenize files into training shards");
    prepare->add_option("--input", p->inputs, "Data files")->required()->check(CLI::ExistingFile);
    prepare->add_option("--tokenizer", p->tokenizer, "Tokenizer folder")->required();
    prepare->add_option("--out", p->out, "Output folder (default: the workspace's datasets/<name>)");
    prepare->add_option("--name", p->name, "Dataset name (default: the first input's name)");
    prepare->add_option("--format", p->format, "Input layout: auto, text, pretrain, sft, dpo, alpaca, sharegpt")->capture_default_str();
    prepare->add_option("--dedup", p->dedup, "Deduplication: none, exact, minhash")->capture_default_str();
    prepare->add_option("--minhash-shingle", p->shingle, "MinHash: characters per shingle")->check(CLI::Range(1, 64))->capture_default_str();
    prepare->add_option("--minhash-permutations", p->permutations, "MinHash: signature length")->check(CLI::Range(8, 1024))->capture_default_str();
    prepare->add_option("--minhash-bands", p->bands, "MinHash: LSH bands (divides permutations)")->check(CLI::Range(1, 512))->capture_default_str();
    prepare->add_option("--minhash-threshold", p->threshold, "MinHash: Jaccard similarity that counts as duplicate")
        ->check(CLI::Range(0.01, 1.0))
        ->capture_default_str();
    prepare->add_option("--val-fraction", p->valFraction, "Share of records held out for validation")
        ->check(CLI::Range(0.0, 0.5))
        ->capture_default_str();
    prepare->add_option("--max-length", p->maxLength, "SFT/preference: drop records longer than this many tokens (0 = keep)")
        ->capture_default_str();
    addCleaningFlags(prepare, p->cleaning);
    prepare->callback([&, p] { action = [&, p] { return prepareData(options, *p); }; });

    struct InspectArgs {
        std::string target, format = "auto";
        int show = 0;
        CleaningFlags cleaning;
    };
    auto i = std::make_shared<InspectArgs>();
    CLI::App *inspect = data->add_subcommand("inspect", "Summarise a prepared dataset folder or a raw data file");
    inspect->add_option("DIR|FILE", i->target, "Prepared dataset folder or data file")->required()->check(CLI::ExistingPath);
    inspect->add_option("--show", i->show, "Also print the first N records")->check(CLI::Range(0, 10000));
    inspect->add_option("--format", i->format, "Layout of a raw file (default: detect)");
    addCleaningFlags(inspect, i->cleaning);
    inspect->callback([&, i] {
        action = [&, i] {
            return fs::is_directory(i->target) ? inspectDataset(options, i->target, i->show)
                                               : inspectFile(options, i->target, i->format, i->show, i->cleaning);
        };
    });
}

}  // namespace danka::cli

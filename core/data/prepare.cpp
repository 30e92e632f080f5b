// Dataset preparation pipeline (see prepare.h).
#include "core/data/prepare.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "core/data/reader.h"
#include "core/util/error.h"
#include "core/util/hashing.h"
#include "core/run/job.h"
#include "core/util/staging_dir.h"
#include "core/store/records.h"
#include "core/store/experiment_store.h"
#include "core/store/workspace_paths.h"
#include "core/tokenizer/chat_template.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/utf8.h"
#include "core/version.h"
#include "kernels/runtime.h"

namespace fs = std::filesystem;

namespace danka::core::data {

DatasetKind kindOf(DataFormat format)
{
    switch (format) {
    case DataFormat::Sft:
    case DataFormat::Alpaca:
    case DataFormat::ShareGpt: return DatasetKind::Sft;
    case DataFormat::Dpo: return DatasetKind::Preference;
    default: return DatasetKind::Pretrain;
    }
}

namespace {

constexpr size_t kBatchRecords = 512;
constexpr size_t kBatchBytes = 2u << 20;
const std::vector<int64_t> kHistogramEdges = {0, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384};

struct InputBatch {
    uint64_t seq = 0;
    std::vector<Record> records;
};

struct Item {
    Record summary;                 // file, line, language and a short text for reports
    Fingerprint fingerprint;
    uint64_t splitHash = 0;
    std::vector<std::vector<int32_t>> segments;
    std::vector<std::vector<uint8_t>> masks;
    int64_t tokens = 0;
};

struct OutputBatch {
    uint64_t seq = 0;
    std::vector<Item> items;
    CleaningReport cleaning;
};

// A bounded FIFO; close() wakes everybody and makes pop() return false once empty.
template <typename T>
class Channel {
public:
    explicit Channel(size_t capacity) : m_capacity(capacity) {}
    bool push(T value)
    {
        std::unique_lock lock(m_mutex);
        m_notFull.wait(lock, [&] { return m_queue.size() < m_capacity || m_closed; });
        if (m_closed) return false;
        m_queue.push_back(std::move(value));
        m_notEmpty.notify_one();
        return true;
    }
    bool pop(T &out)
    {
        std::unique_lock lock(m_mutex);
        m_notEmpty.wait(lock, [&] { return !m_queue.empty() || m_closed; });
        if (m_queue.empty()) return false;
        out = std::move(m_queue.front());
        m_queue.pop_front();
        m_notFull.notify_one();
        return true;
    }
    void close()
    {
        std::lock_guard lock(m_mutex);
        m_closed = true;
        m_notEmpty.notify_all();
        m_notFull.notify_all();
    }

private:
    size_t m_capacity;
    std::mutex m_mutex;
    std::condition_variable m_notEmpty, m_notFull;
    std::deque<T> m_queue;
    bool m_closed = false;
};

Record summarize(const Record &r)
{
    Record s;
    s.kind = RecordKind::Text;  // the snippet lives in .text whatever the record was
    s.file = r.file;
    s.line = r.line;
    s.language = r.language;
    s.text = std::string(utf8::prefix(recordText(r), 80));
    return s;
}

void tokenize(const Record &r, DatasetKind kind, const tokenizer::Tokenizer &tok, Item &item)
{
    using namespace tokenizer;
    switch (kind) {
    case DatasetKind::Pretrain: {
        std::vector<int32_t> ids = tok.encode(r.text);
        ids.push_back(tok.eosId());  // documents are joined with </s>
        item.tokens = static_cast<int64_t>(ids.size());
        item.segments.push_back(std::move(ids));
        item.masks.emplace_back();
        break;
    }
    case DatasetKind::Sft: {
        EncodedSequence seq = encodeConversation(tok, r.messages);
        item.tokens = static_cast<int64_t>(seq.ids.size());
        item.segments.push_back(std::move(seq.ids));
        item.masks.push_back(std::move(seq.lossMask));
        break;
    }
    case DatasetKind::Preference: {
        std::vector<int32_t> prompt = encodePrompt(tok, r.messages);
        EncodedSequence chosen = encodeContinuation(tok, r.chosen);
        EncodedSequence rejected = encodeContinuation(tok, r.rejected);
        item.tokens = static_cast<int64_t>(prompt.size() + std::max(chosen.ids.size(), rejected.ids.size()));
        item.masks.emplace_back(prompt.size(), uint8_t(0));
        item.segments.push_back(std::move(prompt));
        item.segments.push_back(std::move(chosen.ids));
        item.masks.push_back(std::move(chosen.lossMask));
        item.segments.push_back(std::move(rejected.ids));
        item.masks.push_back(std::move(rejected.lossMask));
        break;
    }
    }
}

nlohmann::ordered_json rejectsJson(const RejectReport &r)
{
    nlohmann::ordered_json examples = nlohmann::ordered_json::array();
    for (const auto &e : r.examples) examples.push_back(e.toString());
    return {{"total", r.total}, {"by_reason", r.countsByReason}, {"examples", examples}};
}

nlohmann::ordered_json splitJson(const ShardWriter &w)
{
    nlohmann::ordered_json shards = nlohmann::ordered_json::array();
    int64_t segments = 0;
    for (const ShardFiles &s : w.shards()) {
        nlohmann::ordered_json j = {{"tokens", s.tokens}, {"index", s.index}};
        if (!s.mask.empty()) j["mask"] = s.mask;
        j["num_tokens"] = s.numTokens;
        j["num_segments"] = s.numSegments;
        shards.push_back(j);
        segments += s.numSegments;
    }
    return {{"num_tokens", w.tokens()}, {"num_segments", segments}, {"shards", shards}};
}

// Every input must produce the same kind of dataset: each file's layout, detected up front, and their sizes.
struct InputSurvey {
    std::vector<DataFormat> formats;
    uint64_t totalBytes = 0;
    DatasetKind kind = DatasetKind::Pretrain;
};

InputSurvey surveyInputs(const PrepareOptions &o)
{
    InputSurvey s;
    for (size_t i = 0; i < o.inputs.size(); ++i) {
        RecordReader probe(o.inputs[i], o.format);
        s.formats.push_back(probe.format());
        s.totalBytes += probe.fileSize();
        const DatasetKind kind = kindOf(probe.format());
        if (i == 0)
            s.kind = kind;
        else if (kind != s.kind)
            throw Error("data prepare: " + o.inputs[i] + " is " + dataFormatName(probe.format()) + " data (" +
                        datasetKindName(kind) + "), but " + o.inputs[0] + " is " + datasetKindName(s.kind) +
                        "; prepare them separately");
    }
    return s;
}

// A worker's step: clean, fingerprint and tokenize the records of one batch.
OutputBatch processBatch(InputBatch &batch, const Cleaner &cleaner, const Deduplicator &dedup, uint64_t seed,
                         DatasetKind kind, const tokenizer::Tokenizer &tok)
{
    OutputBatch done;
    done.seq = batch.seq;
    done.items.reserve(batch.records.size());
    for (Record &r : batch.records) {
        if (!cleaner.clean(r, done.cleaning)) continue;
        Item item;
        const std::string text = recordText(r);
        item.fingerprint = dedup.fingerprint(text);
        item.splitHash = hash64(text, seed);
        tokenize(r, kind, tok, item);
        item.summary = summarize(r);
        done.items.push_back(std::move(item));
    }
    return done;
}

// The reader thread and the worker pool, handing processed batches to the writer (the calling thread) in
// input order. The first exception on any thread stops them all and is rethrown to the writer. The
// destructor stops and joins every thread (the writer failed or the job was cancelled).
class PreparePipeline {
public:
    PreparePipeline(const PrepareOptions &o, const InputSurvey &inputs, const tokenizer::Tokenizer &tok,
                    const Cleaner &cleaner, Deduplicator &dedup, int workers)
        : m_o(o),
          m_formats(inputs.formats),
          m_kind(inputs.kind),
          m_tok(tok),
          m_cleaner(cleaner),
          m_dedup(dedup),
          m_inputs(static_cast<size_t>(2 * workers)),
          m_maxReady(static_cast<size_t>(4 * workers)),
          m_inputInfo(o.inputs.size())
    {
        try {
            m_reader = std::thread([this] { read(); });
            for (int w = 0; w < workers; ++w) m_pool.emplace_back([this] { work(); });
        } catch (...) {
            // No destructor runs for a half-made object: the threads already started are stopped here.
            stop();
            join();
            throw;
        }
    }
    ~PreparePipeline()
    {
        stop();
        join();
    }
    PreparePipeline(const PreparePipeline &) = delete;
    PreparePipeline &operator=(const PreparePipeline &) = delete;

    // The next batch in input order; false once every batch was handed over. Rethrows a thread's failure.
    bool next(OutputBatch &batch)
    {
        {
            std::unique_lock lock(m_readyMutex);
            m_readyCv.wait(
                lock, [&] { return m_ready.count(m_next) || m_abort || (m_readerDone && m_next >= m_batchesSent); });
            if (m_failure) std::rethrow_exception(m_failure);
            if (m_abort) return false;
            if (!m_ready.count(m_next)) return false;  // the reader is done and everything was handed over
            batch = std::move(m_ready[m_next]);
            m_ready.erase(m_next);
            m_nextToWrite = ++m_next;
        }
        m_readyCv.notify_all();
        return true;
    }
    // After next() returned false: rethrows a failure, else joins the threads.
    void finish()
    {
        if (m_failure) std::rethrow_exception(m_failure);
        join();
    }

    uint64_t bytesRead() const { return m_bytesRead.load(); }
    // Valid after finish(): what the reader rejected, and each input's facts for dataset.json.
    const RejectReport &rejects() const { return m_rejects; }
    const std::vector<nlohmann::ordered_json> &inputInfo() const { return m_inputInfo; }

private:
    // Reader: records in input order, in batches.
    void read()
    {
        try {
            uint64_t doneBytes = 0;
            InputBatch batch;
            size_t batchBytes = 0;
            auto send = [&] {
                if (batch.records.empty()) return true;
                batch.seq = m_batchesSent++;
                batchBytes = 0;
                return m_inputs.push(std::exchange(batch, InputBatch()));
            };
            for (size_t i = 0; i < m_o.inputs.size() && !m_abort; ++i) {
                RecordReader file(m_o.inputs[i], m_formats[i]);
                Record r;
                while (!m_abort && file.next(r)) {
                    batchBytes += r.text.size() + 64;
                    for (auto *turns : {&r.messages, &r.chosen, &r.rejected})
                        for (const Message &m : *turns) batchBytes += m.content.size();
                    batch.records.push_back(std::move(r));
                    m_bytesRead = doneBytes + file.bytesRead();
                    if ((batch.records.size() >= kBatchRecords || batchBytes >= kBatchBytes) && !send()) break;
                }
                doneBytes += file.fileSize();
                m_bytesRead = doneBytes;
                m_rejects.merge(file.rejects());
                m_inputInfo[i] = {{"path", fs::absolute(m_o.inputs[i]).string()},
                                  {"format", dataFormatName(file.format())},
                                  {"bytes", file.fileSize()},
                                  {"records", file.records()},
                                  {"rejected", file.rejects().total}};
            }
            send();
        } catch (...) {
            fail(std::current_exception());
        }
        {
            // Under the lock, so that the writer cannot miss the wake-up between its check and its wait.
            std::lock_guard lock(m_readyMutex);
            m_readerDone = true;
        }
        m_inputs.close();
        m_readyCv.notify_all();
    }

    // Worker: clean, fingerprint, tokenize.
    void work()
    {
        try {
            InputBatch batch;
            while (!m_abort && m_inputs.pop(batch)) {
                OutputBatch done = processBatch(batch, m_cleaner, m_dedup, m_o.seed, m_kind, m_tok);
                {
                    std::unique_lock lock(m_readyMutex);
                    // Bounded memory: wait while many later batches are already waiting to be written; the
                    // batch the writer needs next is always admitted.
                    m_readyCv.wait(lock,
                                   [&] { return m_ready.size() < m_maxReady || done.seq <= m_nextToWrite || m_abort; });
                    m_ready.emplace(done.seq, std::move(done));
                }
                m_readyCv.notify_all();
            }
        } catch (...) {
            fail(std::current_exception());
        }
    }

    void fail(std::exception_ptr e)
    {
        {
            std::lock_guard lock(m_failureMutex);
            if (!m_failure) m_failure = e;
        }
        stop();
    }

    void stop()
    {
        {
            std::lock_guard lock(m_readyMutex);
            m_abort = true;
        }
        m_inputs.close();
        m_readyCv.notify_all();
    }

    void join()
    {
        if (m_reader.joinable()) m_reader.join();
        for (auto &t : m_pool)
            if (t.joinable()) t.join();
    }

    const PrepareOptions &m_o;
    const std::vector<DataFormat> &m_formats;
    const DatasetKind m_kind;
    const tokenizer::Tokenizer &m_tok;
    const Cleaner &m_cleaner;
    Deduplicator &m_dedup;
    Channel<InputBatch> m_inputs;
    const size_t m_maxReady;
    std::mutex m_readyMutex;
    std::condition_variable m_readyCv;
    std::map<uint64_t, OutputBatch> m_ready;
    uint64_t m_next = 0;  // the writer's next batch
    std::atomic<bool> m_abort{false};
    std::atomic<bool> m_readerDone{false};
    std::atomic<uint64_t> m_bytesRead{0};
    std::atomic<uint64_t> m_batchesSent{0};
    std::atomic<uint64_t> m_nextToWrite{0};  // workers hold finished batches back when far ahead of the writer
    std::exception_ptr m_failure;
    std::mutex m_failureMutex;
    RejectReport m_rejects;
    std::vector<nlohmann::ordered_json> m_inputInfo;
    std::thread m_reader;  // last: the threads start once everything above exists
    std::vector<std::thread> m_pool;
};

// The writer's step, in input order: deduplication, the length bound, the train/val split by hash and the
// length histogram of the training split.
class SplitWriter {
public:
    SplitWriter(const PrepareOptions &o, const fs::path &temp, int tokenBytes, bool withMask)
        : train(temp.string(), "train", tokenBytes, withMask, o.maxShardTokens),
          val(temp.string(), "val", tokenBytes, withMask, o.maxShardTokens),
          histogram(kHistogramEdges.size(), 0),
          m_o(o),
          m_valThreshold(o.valFraction * 18446744073709551616.0)  // fraction of the 64-bit hash range
    {}

    void write(OutputBatch &batch, Deduplicator &dedup, PrepareResult &result)
    {
        result.cleaning.merge(batch.cleaning);
        for (Item &item : batch.items) {
            if (const std::string rule = dedup.check(item.fingerprint); !rule.empty()) {
                result.cleaning.dropKept(rule, item.summary);
                continue;
            }
            if (m_o.maxLength > 0 && result.kind != DatasetKind::Pretrain && item.tokens > m_o.maxLength) {
                ++result.tooLong;
                result.cleaning.dropKept("too_long", item.summary);
                continue;
            }
            const bool isVal = static_cast<double>(item.splitHash) < m_valThreshold;
            ShardWriter &w = isVal ? val : train;
            for (size_t s = 0; s < item.segments.size(); ++s) w.append(item.segments[s], item.masks[s], s == 0);
            (isVal ? result.valRecords : result.trainRecords) += 1;
            if (!isVal) {
                size_t bucket = kHistogramEdges.size() - 1;
                while (bucket > 0 && item.tokens < kHistogramEdges[bucket]) --bucket;
                ++histogram[bucket];
            }
        }
    }

    ShardWriter train, val;
    std::vector<int64_t> histogram;

private:
    const PrepareOptions &m_o;
    const double m_valThreshold;
};

// dataset.json: what was written and how.
nlohmann::ordered_json datasetInfo(const PrepareOptions &o, const PrepareResult &result,
                                   const tokenizer::Tokenizer &tok, int tokenBytes, const SplitWriter &out,
                                   const PreparePipeline &pipeline)
{
    nlohmann::ordered_json splits = {{"train", splitJson(out.train)}};
    if (result.valRecords > 0) splits["val"] = splitJson(out.val);
    nlohmann::ordered_json inputsJson = nlohmann::ordered_json::array();
    for (auto &i : pipeline.inputInfo()) inputsJson.push_back(i);
    return {
        {"format", "danka-dataset"},
        {"version", 1},
        {"kind", datasetKindName(result.kind)},
        {"name", o.name.empty() ? fs::absolute(o.outDir).filename().string() : o.name},
        {"token_dtype", tokenBytes == 2 ? "uint16" : "uint32"},
        // Relative to the dataset folder when both are in one workspace, so the workspace can move.
        {"tokenizer",
         {{"dir", portablePath(o.tokenizerDir, o.outDir)},
          {"checksum", tok.checksum()},
          {"vocab_size", tok.vocabSize()},
          {"eos_id", tok.eosId()},
          {"pad_id", tok.padId()}}},
        {"records", {{"train", result.trainRecords}, {"val", result.valRecords}}},
        {"tokens", {{"train", result.trainTokens}, {"val", result.valTokens}}},
        {"length_histogram", {{"edges", kHistogramEdges}, {"counts", out.histogram}}},
        {"splits", splits},
        {"inputs", inputsJson},
        {"rejected", rejectsJson(result.rejects)},
        {"cleaning", result.cleaning.toJson()},
        {"dedup",
         {{"mode", dedupModeName(o.dedup)},
          {"shingle_chars", o.minhash.shingleChars},
          {"permutations", o.minhash.permutations},
          {"bands", o.minhash.bands},
          {"threshold", o.minhash.threshold}}},
        {"options",
         {{"val_fraction", o.valFraction},
          {"seed", o.seed},
          {"max_length", o.maxLength},
          {"too_long", result.tooLong}}},
        {"seconds", result.seconds},
        {"created_at", nowSeconds()},
        {"danka_version", DANKA_VERSION},
    };
}

}  // namespace

PrepareResult prepareDataset(const PrepareOptions &o, JobContext &job)
{
    const auto start = std::chrono::steady_clock::now();
    if (o.inputs.empty()) throw Error("data prepare: no input files");
    if (o.outDir.empty()) throw Error("data prepare: no output folder");
    if (!(o.valFraction >= 0 && o.valFraction < 1))
        throw Error("data prepare: the validation fraction must be in [0, 1)");
    const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(o.tokenizerDir);

    PrepareResult result;
    const InputSurvey inputs = surveyInputs(o);
    result.kind = inputs.kind;
    if (result.kind != DatasetKind::Pretrain) {
        tok.requireMarker(tokenizer::kImStart);
        tok.requireMarker(tokenizer::kImEnd);
    }
    const int tokenBytes = tok.vocabSize() <= 65536 ? 2 : 4;
    const bool withMask = result.kind != DatasetKind::Pretrain;

    StagingDir staging(o.outDir);
    const fs::path &temp = staging.path();

    const Cleaner cleaner(o.cleaning);
    Deduplicator dedup(o.dedup, o.minhash);
    const int workers = o.threads > 0 ? o.threads : kernels::hardwareThreadCount();
    PreparePipeline pipeline(o, inputs, tok, cleaner, dedup, workers);
    SplitWriter out(o, temp, tokenBytes, withMask);
    for (OutputBatch batch; pipeline.next(batch);) {
        job.checkpoint();
        out.write(batch, dedup, result);
        const double fraction = inputs.totalBytes > 0
                                    ? static_cast<double>(pipeline.bytesRead()) / static_cast<double>(inputs.totalBytes)
                                    : 1;
        job.setProgress(std::min(0.99, fraction),
                        std::to_string(result.trainRecords + result.valRecords) + " records, " +
                            std::to_string(out.train.tokens() + out.val.tokens()) + " tokens");
    }
    pipeline.finish();
    out.train.finish();
    out.val.finish();
    result.rejects = pipeline.rejects();
    if (result.trainRecords + result.valRecords == 0)
        throw Error("data prepare: no record survived (" + std::to_string(result.rejects.total) + " unreadable, " +
                    std::to_string(result.cleaning.recordsIn - result.cleaning.recordsOut) + " removed by cleaning)");
    result.trainTokens = out.train.tokens();
    result.valTokens = out.val.tokens();
    result.bytesIn = inputs.totalBytes;
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.info = datasetInfo(o, result, tok, tokenBytes, out, pipeline);
    {
        std::ofstream meta(temp / "dataset.json");
        meta << result.info.dump(2) << '\n';
        if (!meta) throw Error("cannot write " + (temp / "dataset.json").string());
    }
    result.dir = staging.publish();
    job.setProgress(1.0, "done");
    return result;
}

int64_t recordDataset(const std::string &databasePath, const PrepareResult &r, const std::string &tokenizerDir)
{
    ExperimentStore store(databasePath);
    const auto tok = tokenizer::Tokenizer::load(tokenizerDir);
    TokenizerRecord t;
    t.path = cleanAbsolutePath(tokenizerDir);
    t.name = fs::path(t.path).filename().string();
    t.vocabSize = tok.vocabSize();
    t.checksum = tok.checksum();
    DatasetRecord d;
    d.name = r.info.value("name", std::string());
    d.path = r.dir;
    d.kind = datasetKindName(r.kind);
    // A tokenizer the workspace knows as it is keeps its record (its name and figures); an unknown or
    // changed one is registered.
    for (const TokenizerRecord &known : store.tokenizers())
        if (known.path == t.path && known.checksum == t.checksum) d.tokenizerId = known.id;
    if (!d.tokenizerId) d.tokenizerId = store.registerTokenizer(t);
    d.records = r.trainRecords + r.valRecords;
    d.tokens = r.trainTokens + r.valTokens;
    d.infoJson = nlohmann::json{{"records", r.info["records"]}, {"tokens", r.info["tokens"]}, {"inputs", r.info["inputs"]}}.dump();
    return store.registerDataset(d);
}

}  // namespace danka::core::data

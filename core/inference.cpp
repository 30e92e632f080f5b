// Generation from checkpoints (see inference.h).
#include "core/inference.h"

#include <algorithm>
#include <chrono>

#include "core/error.h"
#include "core/model_io.h"
#include "core/tokenizer/chat_template.h"
#include "model/generation.h"

namespace danka::core {

struct InferenceModel::Impl {
    LoadedCheckpoint checkpoint;
    std::string dir;
};

InferenceModel::InferenceModel() : d(std::make_unique<Impl>()) {}
InferenceModel::~InferenceModel() = default;

std::unique_ptr<InferenceModel> InferenceModel::load(const std::string &dir, const std::string &device,
                                                     const std::string &adapter)
{
    std::unique_ptr<InferenceModel> m(new InferenceModel());
    m->d->checkpoint = loadModelCheckpoint(dir, model::KernelMode::Fused, device, adapter);
    m->d->dir = dir;
    return m;
}

const model::ModelConfig &InferenceModel::config() const { return d->checkpoint.model->config(); }
const tokenizer::Tokenizer &InferenceModel::tokenizer() const { return *d->checkpoint.tokenizer; }
const std::string &InferenceModel::dir() const { return d->dir; }

namespace {

// A piece of text is complete when it does not end in the middle of a UTF-8 sequence or with the
// replacement character SentencePiece emits for an unfinished byte-fallback sequence.
bool endsCleanly(const std::string &text)
{
    static const std::string replacement = "\xEF\xBF\xBD";
    if (text.size() >= 3 && text.compare(text.size() - 3, 3, replacement) == 0) return false;
    size_t i = text.size();
    int continuation = 0;
    while (i > 0 && (static_cast<unsigned char>(text[i - 1]) & 0xC0) == 0x80 && continuation < 4) {
        --i;
        ++continuation;
    }
    if (i == 0) return continuation == 0;
    const auto lead = static_cast<unsigned char>(text[i - 1]);
    const int expected = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
    return continuation == expected || (lead < 0x80 && continuation == 0);
}

// Where the visible text ends: before the first stop string in it, if any.
size_t stopCut(const std::string &text, const std::vector<std::string> &stops)
{
    size_t cut = std::string::npos;
    for (const std::string &s : stops)
        if (!s.empty()) cut = std::min(cut, text.find(s));
    return cut;
}

// How many bytes at the end of `text` could be the beginning of a stop string, and so are held back from
// the stream until the next token tells.
size_t pendingStopPrefix(const std::string &text, const std::vector<std::string> &stops)
{
    size_t held = 0;
    for (const std::string &s : stops)
        for (size_t n = std::min(s.size() - (s.empty() ? 0 : 1), text.size()); n > held; --n)
            if (text.compare(text.size() - n, n, s, 0, n) == 0) {
                held = n;
                break;
            }
    return held;
}

}  // namespace

GenerateResult InferenceModel::generate(const GenerateRequest &r, const std::function<bool(const std::string &)> &onText)
{
    const tokenizer::Tokenizer &tok = *d->checkpoint.tokenizer;
    GenerateResult result;
    model::GenerationOptions o;
    if (r.chat) {
        std::vector<data::Message> turns;
        if (!r.systemPrompt.empty()) turns.push_back({"system", r.systemPrompt});
        turns.insert(turns.end(), r.history.begin(), r.history.end());
        turns.push_back({"user", r.prompt});
        result.promptIds = tokenizer::encodePrompt(tok, turns);
        o.stopTokens = {tok.requireMarker(tokenizer::kImEnd), tok.eosId()};
    } else {
        result.promptIds = tok.encode(r.prompt);
        result.promptIds.insert(result.promptIds.begin(), tok.eosId());  // a document starts after </s>
        o.stopTokens = {tok.eosId()};
    }
    o.sampling.greedy = r.greedy;
    o.sampling.temperature = r.temperature;
    o.sampling.topK = r.topK;
    o.sampling.topP = r.topP;
    o.sampling.repetitionPenalty = r.repetitionPenalty;
    o.maxNewTokens = r.maxNewTokens;
    o.stopStrings = r.stopStrings;
    o.seed = r.seed;
    o.padId = tok.padId();

    // Stream: decode everything generated so far and hand out what is new once it ends cleanly. The text
    // ends before a stop string, which is never shown, nor is a tail that might become one.
    std::vector<int32_t> visible;
    std::string emitted;
    const model::TokenCallback onToken = [&](size_t, int32_t token) {
        if (std::find(o.stopTokens.begin(), o.stopTokens.end(), token) != o.stopTokens.end()) return true;
        visible.push_back(token);
        if (!onText) return true;
        std::string text = tok.decode(visible);
        const size_t cut = stopCut(text, o.stopStrings);
        if (cut != std::string::npos)
            text.resize(cut);
        else
            text.resize(text.size() - pendingStopPrefix(text, o.stopStrings));
        if (!endsCleanly(text) || text.size() <= emitted.size() || text.compare(0, emitted.size(), emitted) != 0)
            return true;
        const std::string piece = text.substr(emitted.size());
        emitted = text;
        return onText(piece);
    };
    const model::Detokenizer detokenize = [&tok](const std::vector<int32_t> &ids) { return tok.decode(ids); };
    const auto start = std::chrono::steady_clock::now();
    model::GenerationResult g;
    try {
        g = model::generate(*d->checkpoint.model, {result.promptIds}, o, onToken, detokenize);
    } catch (const c10::Error &e) {
        throw Error(std::string("generation failed: ") + e.what_without_backtrace());
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    result.generatedIds = g.tokens[0];
    result.finishReason = model::finishReasonName(g.reasons[0]);
    result.tokensPerSecond = g.tokensPerSecond();
    result.text = tok.decode(visible);
    if (const size_t cut = stopCut(result.text, o.stopStrings); cut != std::string::npos) result.text.resize(cut);
    if (onText && result.text.size() > emitted.size() && result.text.compare(0, emitted.size(), emitted) == 0)
        onText(result.text.substr(emitted.size()));  // what was held back at the end
    return result;
}

}  // namespace danka::core

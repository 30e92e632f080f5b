// Generation from checkpoints (see inference.h).
#include "core/infer/inference.h"

#include <algorithm>
#include <chrono>

#include "core/util/error.h"
#include "core/checkpoint/model_io.h"
#include "core/tokenizer/chat_template.h"
#include "core/util/utf8.h"
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

// The byte of a byte-fallback piece ("<0xE5>"), or -1.
int byteOf(const tokenizer::Tokenizer &tok, int32_t id)
{
    if (!tok.isByte(id)) return -1;
    const std::string piece = tok.piece(id);
    if (piece.size() != 6 || piece.compare(0, 3, "<0x") != 0) return -1;
    return static_cast<int>(std::stoul(piece.substr(3, 2), nullptr, 16));
}

// Length of the UTF-8 sequence that `lead` starts, 0 when no sequence starts with it.
size_t sequenceLength(unsigned char lead)
{
    if (lead < 0x80) return 1;
    if (lead >= 0xC2 && lead <= 0xDF) return 2;
    if (lead >= 0xE0 && lead <= 0xEF) return 3;
    if (lead >= 0xF0 && lead <= 0xF4) return 4;
    return 0;
}

}  // namespace

TextStream::TextStream(const tokenizer::Tokenizer &tokenizer, std::vector<std::string> stopStrings)
    : m_tokenizer(tokenizer), m_stops(std::move(stopStrings))
{
}

// Moves the pending byte tokens that make whole characters to the text; bytes that cannot start or finish
// a character are dropped, and with `final` (a non-byte token follows, or the reply ended) so is an
// unfinished one.
void TextStream::settleBytes(bool final)
{
    size_t used = 0;
    while (used < m_pendingBytes.size()) {
        const auto lead = static_cast<unsigned char>(byteOf(m_tokenizer, m_pendingBytes[used]));
        const size_t length = sequenceLength(lead);
        if (length == 0) {  // a continuation byte or an impossible lead: no character starts here
            ++used;
            ++m_droppedBytes;
            continue;
        }
        if (used + length > m_pendingBytes.size()) break;  // unfinished: wait for more bytes
        std::string bytes;
        for (size_t k = 0; k < length; ++k)
            bytes += static_cast<char>(byteOf(m_tokenizer, m_pendingBytes[used + k]));
        if (utf8::firstInvalid(bytes) != utf8::kValid) {  // the lead's sequence is broken: drop the lead
            ++used;
            ++m_droppedBytes;
            continue;
        }
        m_ids.insert(m_ids.end(), m_pendingBytes.begin() + static_cast<std::ptrdiff_t>(used),
                     m_pendingBytes.begin() + static_cast<std::ptrdiff_t>(used + length));
        used += length;
    }
    m_pendingBytes.erase(m_pendingBytes.begin(), m_pendingBytes.begin() + static_cast<std::ptrdiff_t>(used));
    if (final) {
        m_droppedBytes += static_cast<int64_t>(m_pendingBytes.size());
        m_pendingBytes.clear();
    }
}

std::string TextStream::visibleText() const
{
    std::string text = m_tokenizer.decode(m_ids);
    const size_t cut = stopCut(text, m_stops);
    if (cut != std::string::npos)
        text.resize(cut);
    else
        text.resize(text.size() - pendingStopPrefix(text, m_stops));
    return text;
}

void TextStream::add(int32_t token)
{
    if (byteOf(m_tokenizer, token) >= 0) {
        m_pendingBytes.push_back(token);
        settleBytes(false);
    } else {
        settleBytes(true);
        m_ids.push_back(token);
    }
}

std::string TextStream::push(int32_t token)
{
    add(token);
    const std::string text = visibleText();
    // Nothing new, or the decoder changed what was handed out (then wait: finish() settles it).
    if (text.size() <= m_text.size() || text.compare(0, m_text.size(), m_text) != 0) return {};
    std::string piece = text.substr(m_text.size());
    m_text = text;
    return piece;
}

std::string TextStream::finish()
{
    settleBytes(true);
    std::string text = m_tokenizer.decode(m_ids);
    if (const size_t cut = stopCut(text, m_stops); cut != std::string::npos) text.resize(cut);
    std::string piece;
    if (text.size() > m_text.size() && text.compare(0, m_text.size(), m_text) == 0) piece = text.substr(m_text.size());
    m_text = text;
    return piece;
}

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

    // Stream: the text grows by whole characters, before any stop string (TextStream).
    TextStream stream(tok, o.stopStrings);
    const model::TokenCallback onToken = [&](size_t, int32_t token) {
        if (std::find(o.stopTokens.begin(), o.stopTokens.end(), token) != o.stopTokens.end()) return true;
        if (!onText) {
            stream.add(token);  // no stream: decoded once at the end
            return true;
        }
        const std::string piece = stream.push(token);
        return piece.empty() || onText(piece);
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
    const std::string rest = stream.finish();  // what was held back at the end
    if (onText && !rest.empty()) onText(rest);
    result.text = stream.text();
    return result;
}

}  // namespace danka::core

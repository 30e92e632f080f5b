// LoRA target matching (see lora_targets.h).
#include "model/lora_targets.h"

#include <regex>
#include <set>
#include <sstream>

namespace danka::model {

bool matchesLoraTarget(const std::string &name, const std::vector<std::string> &targets)
{
    if (targets.size() == 1 && targets[0].rfind("re:", 0) == 0)
        return std::regex_match(name, std::regex(targets[0].substr(3)));
    for (const std::string &t : targets) {
        if (name == t) return true;
        if (name.size() > t.size() && name.compare(name.size() - t.size(), t.size(), t) == 0 &&
            name[name.size() - t.size() - 1] == '.')
            return true;
    }
    return false;
}

int64_t loraParameterCount(const ModelConfig &config, const std::vector<std::string> &targets, int64_t rank)
{
    int64_t n = 0;
    for (const ProjectionShape &p : projectionShapes(config))
        if (matchesLoraTarget(p.name, targets)) n += rank * (p.in + p.out);
    return n;
}

bool isMlpProjection(const std::string &name)
{
    const std::string leaf = name.substr(name.rfind('.') + 1);
    return leaf == "gate_proj" || leaf == "up_proj" || leaf == "down_proj";
}

std::vector<std::string> peftUnloadableTargets(const ModelConfig &config, const std::vector<std::string> &targets,
                                               double dropout)
{
    if (config.attention != AttentionKind::Mla || dropout == 0) return {};
    std::set<std::string> mlp;
    for (const ProjectionShape &p : projectionShapes(config))
        if (isMlpProjection(p.name) && matchesLoraTarget(p.name, targets)) mlp.insert(p.name.substr(p.name.rfind('.') + 1));
    return {mlp.begin(), mlp.end()};
}

std::string peftLoadProblem(const ModelConfig &config, const std::vector<std::string> &targets, double dropout)
{
    const std::vector<std::string> mlp = peftUnloadableTargets(config, targets, dropout);
    if (mlp.empty()) return "";
    std::string names;
    for (const std::string &n : mlp) names += (names.empty() ? "" : ", ") + n;
    std::ostringstream d;
    d << dropout;
    return "PEFT cannot load LoRA adapters on the MLP (" + names + ") of an MLA model with dropout " + d.str() +
           ": peft 0.21 under transformers 5 takes gate_proj, up_proj and down_proj of a deepseek_v3 model for "
           "mixture-of-experts weights, so Danka saves them as target_parameters, which PEFT adapts only without "
           "dropout; set the LoRA dropout to 0 or leave " + names + " out of the target modules";
}

}  // namespace danka::model

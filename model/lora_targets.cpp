// LoRA target matching (see lora_targets.h).
#include "model/lora_targets.h"

#include <regex>

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

}  // namespace danka::model

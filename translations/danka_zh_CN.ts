<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>danka::core</name>
    <message>
        <source>Run name shown in the studio; empty = stage and start time</source>
        <translation>在工作室中显示的运行名称；留空 = 阶段名加开始时间</translation>
    </message>
    <message>
        <source>Vocabulary size; must match the tokenizer</source>
        <translation>词表大小；必须与分词器一致</translation>
    </message>
    <message>
        <source>Model width d</source>
        <translation>模型宽度 d</translation>
    </message>
    <message>
        <source>Transformer blocks</source>
        <translation>Transformer 块数</translation>
    </message>
    <message>
        <source>Query heads</source>
        <translation>查询头数</translation>
    </message>
    <message>
        <source>Key/value heads for gqa (divides n_heads); 0 = n_heads</source>
        <translation>gqa 的键/值头数（须整除 n_heads）；0 = n_heads</translation>
    </message>
    <message>
        <source>Per-head dims for mha/gqa; 0 = hidden_size / n_heads</source>
        <translation>mha/gqa 每个头的维度；0 = hidden_size / n_heads</translation>
    </message>
    <message>
        <source>SwiGLU inner width</source>
        <translation>SwiGLU 中间层宽度</translation>
    </message>
    <message>
        <source>Attention: mha (multi-head), gqa (grouped-query), mla (multi-head latent, DeepSeek-V2)</source>
        <translation>注意力：mha（多头）、gqa（分组查询）、mla（多头潜在注意力，DeepSeek-V2）</translation>
    </message>
    <message>
        <source>Query compression rank; 0 = no query compression</source>
        <translation>查询压缩秩；0 = 不压缩查询</translation>
    </message>
    <message>
        <source>Key/value latent rank (what the KV cache stores)</source>
        <translation>键/值潜在秩（KV 缓存存储的内容）</translation>
    </message>
    <message>
        <source>Per-head query/key dims without RoPE</source>
        <translation>每个头不带 RoPE 的查询/键维度</translation>
    </message>
    <message>
        <source>Decoupled RoPE dims (one shared key head)</source>
        <translation>解耦的 RoPE 维度（一个共享的键头）</translation>
    </message>
    <message>
        <source>Per-head value dims</source>
        <translation>每个头的值维度</translation>
    </message>
    <message>
        <source>Longest context (RoPE tables, KV cache)</source>
        <translation>最长上下文（RoPE 表、KV 缓存）</translation>
    </message>
    <message>
        <source>RoPE base frequency</source>
        <translation>RoPE 基础频率</translation>
    </message>
    <message>
        <source>RoPE scaling, to run at a longer context than the weights were trained at: none, linear (position interpolation), ntk (static NTK-aware: a larger base) or yarn. The one model setting a run from a base checkpoint takes (none keeps the checkpoint's own)</source>
        <translation>RoPE 缩放，用于在比权重训练时更长的上下文上运行：none、linear（位置插值）、ntk（静态 NTK 感知：更大的基数）或 yarn。这是从基础检查点开始的运行唯一采用的模型设置（none 保留检查点自身的设置）</translation>
    </message>
    <message>
        <source>RoPE scaling: context multiplier, &gt;= 1; 0 = max_seq_len (from a base checkpoint: the context it is extended to) / original_max_seq_len</source>
        <translation>RoPE 缩放：上下文倍数，&gt;= 1；0 = max_seq_len（从基础检查点开始时：扩展到的上下文）/ original_max_seq_len</translation>
    </message>
    <message>
        <source>RoPE scaling: context the weights were trained at; 0 = the base checkpoint's (without one, yarn and a derived factor need it)</source>
        <translation>RoPE 缩放：权重训练时的上下文长度；0 = 取基础检查点的（没有基础检查点时，yarn 和推导出的倍数都需要它）</translation>
    </message>
    <message>
        <source>YaRN: dims turning more often than this over the original context keep their frequency</source>
        <translation>YaRN：在原始上下文内旋转次数多于此值的维度保持原频率</translation>
    </message>
    <message>
        <source>YaRN: dims turning less often than this over the original context are fully interpolated</source>
        <translation>YaRN：在原始上下文内旋转次数少于此值的维度完全插值</translation>
    </message>
    <message>
        <source>YaRN: scale of cos and sin; 0 = 0.1 ln(factor) + 1</source>
        <translation>YaRN：cos 与 sin 的缩放；0 = 0.1 ln(factor) + 1</translation>
    </message>
    <message>
        <source>Epsilon inside RMSNorm</source>
        <translation>RMSNorm 中的 epsilon</translation>
    </message>
    <message>
        <source>The LM head shares the token embedding matrix</source>
        <translation>语言模型头与词元嵌入矩阵共享权重</translation>
    </message>
    <message>
        <source>RMSNorm on queries and keys before RoPE</source>
        <translation>在 RoPE 之前对查询和键做 RMSNorm</translation>
    </message>
    <message>
        <source>Dropout probability during training</source>
        <translation>训练时的 dropout 概率</translation>
    </message>
    <message>
        <source>Standard deviation of the initial weights</source>
        <translation>初始权重的标准差</translation>
    </message>
    <message>
        <source>Prepared dataset folder (danka-cli data prepare)</source>
        <translation>已准备的数据集文件夹（danka-cli data prepare）</translation>
    </message>
    <message>
        <source>Separate validation dataset; empty = split from dataset</source>
        <translation>单独的验证数据集；留空 = 从数据集中划分</translation>
    </message>
    <message>
        <source>Share held out for validation</source>
        <translation>留作验证的比例</translation>
    </message>
    <message>
        <source>Tokens per training sequence</source>
        <translation>每条训练序列的词元数</translation>
    </message>
    <message>
        <source>Sequences per forward/backward pass</source>
        <translation>每次前向/反向传播的序列数</translation>
    </message>
    <message>
        <source>SFT: pad each batch's length to a multiple of this</source>
        <translation>SFT：把每个批次的长度补齐到此值的倍数</translation>
    </message>
    <message>
        <source>Shuffle the sequence order (seeded)</source>
        <translation>打乱序列顺序（由种子决定）</translation>
    </message>
    <message>
        <source>SFT: conversations longer than seq_len + 1 tokens are truncated (the last reply loses its end marker; the run reports how many) or dropped</source>
        <translation>SFT：超过 seq_len + 1 个词元的对话被截断（最后一条回复失去结束标记；运行会报告数量）或丢弃</translation>
    </message>
    <message>
        <source>Peak learning rate after warmup</source>
        <translation>预热后的峰值学习率</translation>
    </message>
    <message>
        <source>AdamW first-moment decay</source>
        <translation>AdamW 一阶矩衰减</translation>
    </message>
    <message>
        <source>AdamW second-moment decay</source>
        <translation>AdamW 二阶矩衰减</translation>
    </message>
    <message>
        <source>AdamW epsilon</source>
        <translation>AdamW epsilon</translation>
    </message>
    <message>
        <source>Decoupled weight decay on weight matrices</source>
        <translation>作用于权重矩阵的解耦权重衰减</translation>
    </message>
    <message>
        <source>Also apply weight decay to norms, biases and embeddings</source>
        <translation>对归一化层、偏置和嵌入也施加权重衰减</translation>
    </message>
    <message>
        <source>Clip the global gradient norm to this; 0 = off</source>
        <translation>把全局梯度范数裁剪到此值；0 = 关闭</translation>
    </message>
    <message>
        <source>Micro-batches per optimizer step</source>
        <translation>每个优化器步的微批次数</translation>
    </message>
    <message>
        <source>Optimizer steps of the run</source>
        <translation>本次运行的优化器步数</translation>
    </message>
    <message>
        <source>Linear warmup steps</source>
        <translation>线性预热步数</translation>
    </message>
    <message>
        <source>Learning-rate shape after warmup: cosine, linear or constant</source>
        <translation>预热后的学习率曲线：cosine（余弦）、linear（线性）或 constant（恒定）</translation>
    </message>
    <message>
        <source>Final learning rate as a fraction of the peak</source>
        <translation>最终学习率占峰值的比例</translation>
    </message>
    <message>
        <source>Checkpoint folder to start from; empty = random init</source>
        <translation>作为起点的检查点文件夹；留空 = 随机初始化</translation>
    </message>
    <message>
        <source>Pretraining: share of documents in fill-in-the-middle form</source>
        <translation>预训练：以中间填充（FIM）形式出现的文档比例</translation>
    </message>
    <message>
        <source>Pretraining: attention stays within each document</source>
        <translation>预训练：注意力限制在各自文档之内</translation>
    </message>
    <message>
        <source>LoRA: inner dimension r of each adapter</source>
        <translation>LoRA：每个适配器的内部维度 r</translation>
    </message>
    <message>
        <source>LoRA: the adapter's update is scaled by alpha / rank</source>
        <translation>LoRA：适配器的更新按 alpha / rank 缩放</translation>
    </message>
    <message>
        <source>LoRA: dropout on the adapter input in training</source>
        <translation>LoRA：训练时适配器输入上的 dropout</translation>
    </message>
    <message>
        <source>LoRA: projections with adapters: comma-separated module names as PEFT matches them (q_proj,v_proj,mlp.down_proj; MLA: q_a_proj,q_b_proj,kv_a_proj_with_mqa,kv_b_proj), all-linear, or re:REGEX</source>
        <translation>LoRA：加适配器的投影层：按 PEFT 匹配方式写的逗号分隔模块名（q_proj,v_proj,mlp.down_proj；MLA：q_a_proj,q_b_proj,kv_a_proj_with_mqa,kv_b_proj）、all-linear 或 re:正则表达式</translation>
    </message>
    <message>
        <source>Distill: comma-separated marker tokens that get marker_weight</source>
        <translation>蒸馏：使用 marker_weight 的标记词元，逗号分隔</translation>
    </message>
    <message>
        <source>Distill: loss weight of marker tokens</source>
        <translation>蒸馏：标记词元的损失权重</translation>
    </message>
    <message>
        <source>Distill: loss weight of the reply after &lt;/think&gt; (the answer)</source>
        <translation>蒸馏：&lt;/think&gt; 之后回复（答案）的损失权重</translation>
    </message>
    <message>
        <source>Distill: teacher checkpoint for white-box distillation (same tokenizer); empty = R1-style only</source>
        <translation>蒸馏：白盒蒸馏的教师检查点（须使用相同分词器）；留空 = 仅 R1 式蒸馏</translation>
    </message>
    <message>
        <source>Distill: share of the KL term in the loss</source>
        <translation>蒸馏：KL 项在损失中的占比</translation>
    </message>
    <message>
        <source>Distill: softening temperature of both distributions</source>
        <translation>蒸馏：两个分布的软化温度</translation>
    </message>
    <message>
        <source>Device: auto (CUDA when available), cpu or cuda</source>
        <translation>设备：auto（有 CUDA 时用 CUDA）、cpu 或 cuda</translation>
    </message>
    <message>
        <source>Arithmetic: fp32, bf16 autocast, or fp16 with loss scaling (CUDA only)</source>
        <translation>运算精度：fp32、bf16 自动混合精度，或带损失缩放的 fp16（仅 CUDA）</translation>
    </message>
    <message>
        <source>LibTorch intra-op threads; 0 = all cores</source>
        <translation>LibTorch 算子内线程数；0 = 全部核心</translation>
    </message>
    <message>
        <source>Seed of weights, data order, dropout and sampling</source>
        <translation>权重、数据顺序、dropout 和采样的随机种子</translation>
    </message>
    <message>
        <source>Recompute every k-th block in backward; 0 = off</source>
        <translation>反向传播时每 k 个块重新计算一次；0 = 关闭</translation>
    </message>
    <message>
        <source>Steps between metric points</source>
        <translation>两次记录指标之间的步数</translation>
    </message>
    <message>
        <source>Steps between validation passes; 0 = at the end only</source>
        <translation>两次验证之间的步数；0 = 仅在结束时验证</translation>
    </message>
    <message>
        <source>Micro-batches per validation pass</source>
        <translation>每次验证的微批次数</translation>
    </message>
    <message>
        <source>Steps between checkpoints; 0 = at the end only</source>
        <translation>两次保存检查点之间的步数；0 = 仅在结束时保存</translation>
    </message>
    <message>
        <source>Most recent checkpoints kept (plus the best)</source>
        <translation>保留的最近检查点个数（另加最优的一个）</translation>
    </message>
    <message>
        <source>Steps between sample generations; 0 = off</source>
        <translation>两次生成样例之间的步数；0 = 关闭</translation>
    </message>
    <message>
        <source>Prompt of the sample generations; empty = the first tokens of three validation documents</source>
        <translation>生成样例的提示词；留空 = 三篇验证文档的开头词元</translation>
    </message>
    <message>
        <source>Tokens generated per sample</source>
        <translation>每个样例生成的词元数</translation>
    </message>
    <message>
        <source>Skip an update whose loss or gradient norm lies this many standard deviations above the last 128 steps; 0 = skip only NaN/Inf</source>
        <translation>若损失或梯度范数高出最近 128 步这么多个标准差，则跳过该次更新；0 = 只跳过 NaN/Inf</translation>
    </message>
    <message>
        <source>Consecutive skipped updates that stop the run</source>
        <translation>连续跳过多少次更新后停止运行</translation>
    </message>
    <message>
        <source>GPU memory the plan must fit, GiB</source>
        <translation>方案必须放得下的 GPU 显存，GiB</translation>
    </message>
    <message>
        <source>Cap the memory allocator at memory_budget_gib, so that a bigger card behaves like one of the budget (on the CPU: LibTorch's allocations); past it the run stops with advice</source>
        <translation>把内存分配器限制在 memory_budget_gib，使更大的显卡表现得像预算大小的显卡（在 CPU 上：限制 LibTorch 的分配）；超出时运行停止并给出建议</translation>
    </message>
    <message>
        <source>Keep AdamW's moments in pinned CPU memory, streamed through the GPU each step: frees 8 bytes per trained parameter of GPU memory for a slower step</source>
        <translation>把 AdamW 的矩保存在锁页 CPU 内存中，每步流式传过 GPU：每个训练参数节省 8 字节显存，代价是每步变慢</translation>
    </message>
    <message>
        <source>unknown key</source>
        <translation>未知的键</translation>
    </message>
    <message>
        <source>unknown key, did you mean %1?</source>
        <translation>未知的键，您是指 %1 吗？</translation>
    </message>
    <message>
        <source>string %1</source>
        <translation>字符串 %1</translation>
    </message>
    <message>
        <source>an object</source>
        <translation>一个对象</translation>
    </message>
    <message>
        <source>an array</source>
        <translation>一个数组</translation>
    </message>
    <message>
        <source>expected an object, got %1</source>
        <translation>应为对象，实际为 %1</translation>
    </message>
    <message>
        <source>must be at most %1, got %2</source>
        <translation>最大为 %1，实际为 %2</translation>
    </message>
    <message>
        <source>expected an integer, got %1</source>
        <translation>应为整数，实际为 %1</translation>
    </message>
    <message>
        <source>expected a number, got %1</source>
        <translation>应为数字，实际为 %1</translation>
    </message>
    <message>
        <source>expected true or false, got %1</source>
        <translation>应为 true 或 false，实际为 %1</translation>
    </message>
    <message>
        <source>expected a string, got %1</source>
        <translation>应为字符串，实际为 %1</translation>
    </message>
    <message>
        <source>expected one of %1, got %2</source>
        <translation>应为 %1 之一，实际为 %2</translation>
    </message>
    <message>
        <source>expected one of %1, got "%2"</source>
        <translation>应为 %1 之一，实际为“%2”</translation>
    </message>
    <message>
        <source>expected one of %1, got "%2"; did you mean "%3"?</source>
        <translation>应为 %1 之一，实际为“%2”；您是指“%3”吗？</translation>
    </message>
    <message>
        <source>must be in %1, got %2</source>
        <translation>须在 %1 范围内，实际为 %2</translation>
    </message>
    <message>
        <source>must be %1, got %2</source>
        <translation>须 %1，实际为 %2</translation>
    </message>
    <message>
        <source>must be a finite number, got %1</source>
        <translation>须为有限数，实际为 %1</translation>
    </message>
    <message>
        <source>rope scaling "%1" needs the context the weights were trained at (or, but for yarn, a factor): set it, or train from a base checkpoint</source>
        <translation>RoPE 缩放“%1”需要权重训练时的上下文长度（yarn 以外也可给出倍数）：请设置它，或从基础检查点开始训练</translation>
    </message>
    <message>
        <source>must be &gt;= 1, got %1</source>
        <translation>须 &gt;= 1，实际为 %1</translation>
    </message>
    <message>
        <source>the derived factor %1 (data.seq_len, or the base checkpoint's context when longer: %2, over original_max_seq_len %3) is below 1</source>
        <translation>推导出的倍数 %1（data.seq_len 或更长的基础检查点上下文 %2，除以 original_max_seq_len %3）小于 1</translation>
    </message>
    <message>
        <source>the derived factor %1 (model.max_seq_len %2 over original_max_seq_len %3) is below 1</source>
        <translation>推导出的倍数 %1（model.max_seq_len %2 除以 original_max_seq_len %3）小于 1</translation>
    </message>
    <message>
        <source>must be &lt;= beta_fast (%1), got %2</source>
        <translation>须 &lt;= beta_fast（%1），实际为 %2</translation>
    </message>
    <message>
        <source>ntk needs more than 2 rotary dims per head, the model has %1</source>
        <translation>ntk 需要每个头多于 2 个旋转维度，而该模型只有 %1 个</translation>
    </message>
    <message>
        <source>hidden_size %1 is not divisible by %2</source>
        <translation>hidden_size %1 不能被 %2 整除</translation>
    </message>
    <message>
        <source>RoPE needs an even head dimension, got %1 (hidden_size / n_heads)</source>
        <translation>RoPE 需要偶数的头维度，实际为 %1（hidden_size / n_heads）</translation>
    </message>
    <message>
        <source>RoPE needs an even head dimension, got %1</source>
        <translation>RoPE 需要偶数的头维度，实际为 %1</translation>
    </message>
    <message>
        <source>attention "mha" needs n_kv_heads equal to n_heads (%1), got %2; set attention to "gqa" for grouped-query attention</source>
        <translation>注意力“mha”要求 n_kv_heads 等于 n_heads（%1），实际为 %2；要用分组查询注意力请把 attention 设为“gqa”</translation>
    </message>
    <message>
        <source>n_heads %1 is not divisible by n_kv_heads %2</source>
        <translation>n_heads %1 不能被 n_kv_heads %2 整除</translation>
    </message>
    <message>
        <source>RoPE needs an even number of dims, got %1</source>
        <translation>RoPE 需要偶数个维度，实际为 %1</translation>
    </message>
    <message>
        <source>must be &lt;= model.max_seq_len (%1), got %2</source>
        <translation>须 &lt;= model.max_seq_len（%1），实际为 %2</translation>
    </message>
    <message>
        <source>must be &lt;= schedule.max_steps (%1), got %2</source>
        <translation>须 &lt;= schedule.max_steps（%1），实际为 %2</translation>
    </message>
    <message>
        <source>fp16 needs runtime.device "cuda" (loss scaling runs on CUDA only); use "bf16" on the CPU</source>
        <translation>fp16 需要 runtime.device 为“cuda”（损失缩放只在 CUDA 上运行）；在 CPU 上请用“bf16”</translation>
    </message>
    <message>
        <source>must be &lt;= model.n_layers (%1), got %2</source>
        <translation>须 &lt;= model.n_layers（%1），实际为 %2</translation>
    </message>
    <message>
        <source>names no projection: list module names (q_proj,v_proj...), all-linear or re:REGEX</source>
        <translation>没有指定任何投影层：请列出模块名（q_proj,v_proj...）、all-linear 或 re:正则表达式</translation>
    </message>
    <message>
        <source>PEFT cannot load adapters on the MLP (%1) of an MLA model with dropout: peft 0.21 under transformers 5 takes them for mixture-of-experts weights of the deepseek_v3 model, so Danka saves them as target_parameters, which PEFT adapts only without dropout; set 0, or leave %1 out of stage.lora.target_modules</source>
        <translation>PEFT 无法加载带 dropout 的 MLA 模型 MLP（%1）上的适配器：transformers 5 下的 peft 0.21 把它们当作 deepseek_v3 模型的混合专家权重，因此单卡把它们存为 target_parameters，而 PEFT 只在没有 dropout 时适配这些参数；请设为 0，或把 %1 从 stage.lora.target_modules 中去掉</translation>
    </message>
    <message>
        <source>stage "%1" starts from a trained model: set the checkpoint folder</source>
        <translation>阶段“%1”从已训练的模型开始：请设置检查点文件夹</translation>
    </message>
    <message>
        <source>%1: no such checkpoint folder</source>
        <translation>%1：没有这个检查点文件夹</translation>
    </message>
    <message>
        <source>%1: missing</source>
        <translation>%1：缺失</translation>
    </message>
    <message>
        <source>%1: invalid JSON</source>
        <translation>%1：JSON 无效</translation>
    </message>
    <message>
        <source>%1: the adapter's base checkpoint is not recorded (danka.json base_checkpoint, adapter_config.json base_model_name_or_path)</source>
        <translation>%1：没有记录适配器的基础检查点（danka.json 的 base_checkpoint、adapter_config.json 的 base_model_name_or_path）</translation>
    </message>
    <message>
        <source>a config must be a JSON object, got %1</source>
        <translation>配置必须是 JSON 对象，实际为 %1</translation>
    </message>
    <message>
        <source>unknown preset "%1"</source>
        <translation>未知预设“%1”</translation>
    </message>
    <message>
        <source>; presets: %1</source>
        <translation>；可用预设：%1</translation>
    </message>
    <message>
        <source>; did you mean "%1"?</source>
        <translation>；您是指“%1”吗？</translation>
    </message>
    <message>
        <source>invalid JSON at line %1, column %2: %3</source>
        <translation>JSON 无效，位于第 %1 行第 %2 列：%3</translation>
    </message>
    <message>
        <source>cannot read %1: %2</source>
        <translation>无法读取 %1：%2</translation>
    </message>
    <message>
        <source>in %1</source>
        <translation>范围 %1</translation>
    </message>
    <message>
        <source>fp32 master weights</source>
        <translation>fp32 主权重</translation>
    </message>
    <message>
        <source>fp32 frozen base weights</source>
        <translation>fp32 冻结的基础权重</translation>
    </message>
    <message>
        <source>fp32 LoRA A and B</source>
        <translation>fp32 LoRA A 和 B</translation>
    </message>
    <message>
        <source>%1 copies kept for backward: all blocks and the LM head</source>
        <translation>为反向传播保留的 %1 副本：全部块和语言模型头</translation>
    </message>
    <message>
        <source>%1 copies kept for backward: %2 recomputed blocks and the LM head</source>
        <translation>为反向传播保留的 %1 副本：%2 个重算块和语言模型头</translation>
    </message>
    <message>
        <source>AdamW first and second moments, fp32</source>
        <translation>AdamW 一阶和二阶矩，fp32</translation>
    </message>
    <message>
        <source>checkpoint every %1 blocks: %2 saved inputs + %3 blocks recomputed</source>
        <translation>每 %1 个块做检查点：保存 %2 个输入 + 重算 %3 个块</translation>
    </message>
    <message>
        <source>%1 blocks kept</source>
        <translation>保留 %1 个块</translation>
    </message>
    <message>
        <source>%1 tokens x %2 vocab, and their gradient</source>
        <translation>%1 个词元 × 词表 %2，及其梯度</translation>
    </message>
    <message>
        <source>CUDA context, kernels, allocator slack</source>
        <translation>CUDA 上下文、算子、分配器余量</translation>
    </message>
    <message>
        <source>LibTorch process</source>
        <translation>LibTorch 进程</translation>
    </message>
    <message>
        <source>The memory estimator puts this plan at %1 for %2. No plan fits %3 at data.seq_len %4 (even micro-batch 1 with activation checkpointing on every block and AdamW offloaded): shorten data.seq_len or train a smaller model.</source>
        <translation>内存估算认为此方案需要 %1，可用 %2。在 data.seq_len %4 下没有能放进 %3 的方案（即使微批量为 1、每个块都做激活检查点并卸载 AdamW）：请缩短 data.seq_len 或训练更小的模型。</translation>
    </message>
    <message>
        <source>The memory estimator puts this plan at %1 for %2. A plan that fits (%3): %4.</source>
        <translation>内存估算认为此方案需要 %1，可用 %2。可行的方案（%3）：%4。</translation>
    </message>
    <message>
        <source>The memory estimator puts this plan at %1 for %2. A plan that fits (%3): this one by the estimate, so the peak came from elsewhere (another process on the GPU, memory fragmentation): lower data.micro_batch_size or turn on runtime.activation_checkpointing.</source>
        <translation>内存估算认为此方案需要 %1，可用 %2。可行的方案（%3）：按估算就是当前方案，所以峰值来自别处（GPU 上的其他进程、内存碎片）：请调低 data.micro_batch_size 或开启 runtime.activation_checkpointing。</translation>
    </message>
    <message>
        <source>data.micro_batch_size %1 with optim.grad_accum_steps %2 (%3 sequences per step, as now %4)</source>
        <translation>data.micro_batch_size 设为 %1，optim.grad_accum_steps 设为 %2（每步 %3 条序列，现为 %4）</translation>
    </message>
    <message>
        <source>runtime.activation_checkpointing %1</source>
        <translation>runtime.activation_checkpointing 设为 %1</translation>
    </message>
    <message>
        <source>runtime.precision %1</source>
        <translation>runtime.precision 设为 %1</translation>
    </message>
    <message>
        <source>runtime.offload_optimizer %1</source>
        <translation>runtime.offload_optimizer 设为 %1</translation>
    </message>
    <message>
        <source>Tiny GQA model for the shipped demo corpus; pretrains on a laptop CPU in minutes</source>
        <translation>用于自带演示语料的微型 GQA 模型；在笔记本 CPU 上几分钟即可完成预训练</translation>
    </message>
    <message>
        <source>MiniMind2-small size: 26M parameters, GQA 8/2 heads, vocab 6400</source>
        <translation>MiniMind2-small 规模：2600 万参数，GQA 8/2 头，词表 6400</translation>
    </message>
    <message>
        <source>1.3B MLA model, context 4096, vocab 64000, planned for one 24 GB GPU</source>
        <translation>13 亿参数 MLA 模型，上下文 4096，词表 64000，按单张 24 GB 显卡规划</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <source>gradient norm</source>
        <translation>梯度范数</translation>
    </message>
    <message>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>throughput (tokens/s)</source>
        <translation>吞吐量（词元/秒）</translation>
    </message>
    <message>
        <source>model FLOPs utilisation</source>
        <translation>模型算力利用率</translation>
    </message>
    <message>
        <source>tokens trained on</source>
        <translation>已训练词元数</translation>
    </message>
    <message>
        <source>skipped steps</source>
        <translation>跳过的步数</translation>
    </message>
    <message>
        <source>fp16 loss scale</source>
        <translation>fp16 损失缩放</translation>
    </message>
    <message>
        <source>fp16 overflow steps</source>
        <translation>fp16 溢出步数</translation>
    </message>
    <message>
        <source>validation loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <source>validation perplexity</source>
        <translation>验证困惑度</translation>
    </message>
    <message>
        <source>process memory (RSS)</source>
        <translation>进程内存（RSS）</translation>
    </message>
    <message>
        <source>CUDA memory allocated</source>
        <translation>CUDA 已分配内存</translation>
    </message>
    <message>
        <source>CUDA memory reserved</source>
        <translation>CUDA 已保留内存</translation>
    </message>
    <message>
        <source>CUDA peak memory</source>
        <translation>CUDA 峰值内存</translation>
    </message>
    <message>
        <source>checkpoint at step %1 (%2): %3</source>
        <translation>第 %1 步的检查点（%2）：%3</translation>
    </message>
    <message>
        <source>periodic</source>
        <translation>定期</translation>
    </message>
    <message>
        <source>end</source>
        <translation>结束</translation>
    </message>
    <message>
        <source>could not remove the old checkpoint %1: %2</source>
        <translation>无法删除旧检查点 %1：%2</translation>
    </message>
    <message>
        <source>sample at step %1: %2|%3</source>
        <translation>第 %1 步的样例：%2|%3</translation>
    </message>
    <message>
        <source>training %1 parameters on %2, %3, %4 steps of %5 x %6 tokens%7</source>
        <translation>开始训练：%1 个参数，设备 %2，%3，%4 步，每步 %5 × %6 个词元%7</translation>
    </message>
    <message>
        <source>training %1 of %2 parameters on %3, %4, %5 steps of %6 x %7 tokens%8</source>
        <translation>开始训练：%2 个参数中的 %1 个，设备 %3，%4，%5 步，每步 %6 × %7 个词元%8</translation>
    </message>
    <message>
        <source>resuming at step %1: %2 parameters on %3, %4, %5 steps of %6 x %7 tokens%8</source>
        <translation>从第 %1 步继续：%2 个参数，设备 %3，%4，%5 步，每步 %6 × %7 个词元%8</translation>
    </message>
    <message>
        <source>resuming at step %1: %2 of %3 parameters on %4, %5, %6 steps of %7 x %8 tokens%9</source>
        <translation>从第 %1 步继续：%3 个参数中的 %2 个，设备 %4，%5，%6 步，每步 %7 × %8 个词元%9</translation>
    </message>
    <message>
        <source>, AdamW moments in host memory</source>
        <translation>，AdamW 矩保存在主机内存中</translation>
    </message>
    <message>
        <source>step %1 skipped: %2</source>
        <translation>跳过第 %1 步：%2</translation>
    </message>
    <message>
        <source>stopped after %1 consecutive skipped updates (last: %2); no checkpoint was written yet</source>
        <translation>连续跳过 %1 次更新后停止（最后一次：%2）；尚未写入任何检查点</translation>
    </message>
    <message>
        <source>stopped after %1 consecutive skipped updates (last: %2); the last good checkpoint is %3</source>
        <translation>连续跳过 %1 次更新后停止（最后一次：%2）；最后一个正常的检查点是 %3</translation>
    </message>
    <message>
        <source>step %1/%2</source>
        <translation>第 %1/%2 步</translation>
    </message>
    <message>
        <source>step %1/%2, loss %3</source>
        <translation>第 %1/%2 步，损失 %3</translation>
    </message>
    <message>
        <source>the memory estimate %1 exceeds runtime.memory_budget_gib (%2) at data.seq_len %3; a plan that fits: micro-batch %4, %5, activation checkpointing %6</source>
        <translation>在 data.seq_len %3 下内存估算 %1 超出 runtime.memory_budget_gib（%2）；可行的方案：微批量 %4，%5，激活检查点 %6</translation>
    </message>
    <message>
        <source>the memory estimate %1 exceeds runtime.memory_budget_gib (%2) at data.seq_len %3; no plan fits: shorten data.seq_len</source>
        <translation>在 data.seq_len %3 下内存估算 %1 超出 runtime.memory_budget_gib（%2）；没有可行的方案：请缩短 data.seq_len</translation>
    </message>
    <message>
        <source>runtime.memory_cap: LibTorch's CPU allocations are capped at %1 (%2 less %3 for the process)</source>
        <translation>runtime.memory_cap：LibTorch 的 CPU 分配上限为 %1（%2 减去进程占用的 %3）</translation>
    </message>
    <message>
        <source>runtime.memory_cap: the CUDA allocator on %1 is capped at %2 (%3 less %4 for the CUDA context)</source>
        <translation>runtime.memory_cap：%1 上的 CUDA 分配器上限为 %2（%3 减去 CUDA 上下文占用的 %4）</translation>
    </message>
    <message>
        <source>runtime.memory_cap is not applied: %1</source>
        <translation>runtime.memory_cap 未生效：%1</translation>
    </message>
    <message>
        <source>out of memory on %1: %2
%3 Checkpoints written before are kept.</source>
        <translation>%1 内存不足：%2
%3 之前写入的检查点都已保留。</translation>
    </message>
    <message>
        <source>out of memory on %1 (runtime.memory_cap): %2
%3 Checkpoints written before are kept.</source>
        <translation>%1 内存不足（runtime.memory_cap）：%2
%3 之前写入的检查点都已保留。</translation>
    </message>
    <message>
        <source>the base checkpoint is a LoRA adapter: merged into its base %1 for this run</source>
        <translation>基础检查点是 LoRA 适配器：本次运行将其合并到基础模型 %1 中</translation>
    </message>
    <message>
        <source>white-box distillation from %1</source>
        <translation>从 %1 做白盒蒸馏</translation>
    </message>
    <message>
        <source>R1-style distillation (no teacher)</source>
        <translation>R1 式蒸馏（无教师模型）</translation>
    </message>
    <message>
        <source>%1 of %2 training conversations are longer than data.seq_len + 1 = %3 tokens and are cut there (their last reply loses its end marker); raise data.seq_len or set data.overlong to "drop"</source>
        <translation>%2 条训练对话中有 %1 条超过 data.seq_len + 1 = %3 个词元，已在该处截断（最后一条回复失去结束标记）；请调大 data.seq_len 或把 data.overlong 设为“drop”</translation>
    </message>
    <message>
        <source>%1 training conversations are longer than data.seq_len + 1 = %2 tokens and are left out (data.overlong "drop"); %3 remain</source>
        <translation>%1 条训练对话超过 data.seq_len + 1 = %2 个词元，已被排除（data.overlong 为“drop”）；剩余 %3 条</translation>
    </message>
    <message>
        <source>validation on %1</source>
        <translation>验证数据：%1</translation>
    </message>
    <message>
        <source>no validation data: the dataset has no val split (and, for pretraining, data.val_fraction is 0)</source>
        <translation>没有验证数据：数据集没有验证划分（且对预训练而言 data.val_fraction 为 0）</translation>
    </message>
    <message>
        <source>loading</source>
        <translation>加载中</translation>
    </message>
    <message>
        <source>, </source>
        <translation>，</translation>
    </message>
    <message>
        <source>fp32 teacher weights, no gradients</source>
        <translation>fp32 教师模型权重，无梯度</translation>
    </message>
    <message>
        <source>the KL term's softmaxes and the teacher's logits</source>
        <translation>KL 项的 softmax 与教师模型的 logits</translation>
    </message>
    <message>
        <source>the rated dense %1 peak of the %2, %3 TFLOP/s (%4)</source>
        <translation>%2 的额定稠密 %1 峰值，%3 TFLOP/s（%4）</translation>
    </message>
    <message>
        <source>the %1 matmul peak measured on %2 (%3^3, fastest tenth of the calls), %4 TFLOP/s</source>
        <translation>在 %2 上测得的 %1 矩阵乘法峰值（%3^3，取最快的十分之一调用），%4 TFLOP/s</translation>
    </message>
    <message>
        <source>the %1 matmul peak measured on %2 (%3^3, fastest tenth of the calls), %4 TFLOP/s: no rated peak is known for this GPU</source>
        <translation>在 %2 上测得的 %1 矩阵乘法峰值（%3^3，取最快的十分之一调用），%4 TFLOP/s：不知道这块 GPU 的额定峰值</translation>
    </message>
    <message>
        <source>a peak of %1 TFLOP/s given to the trainer</source>
        <translation>传给训练器的峰值 %1 TFLOP/s</translation>
    </message>
    <message>
        <source>MFU (train/mfu) is the %1 stage's model FLOPs (%2 GFLOP per token of a full %3-token sequence; padding not counted) per second over %4</source>
        <translation>MFU（train/mfu）是 %1 阶段每秒的模型 FLOPs（完整 %3 词元序列中每个词元 %2 GFLOP；不计填充）除以 %4</translation>
    </message>
    <message>
        <source>fp32, %1 in all; at the peak those written so far (backward frees activations as it writes them) and, at the optimizer step, a float64 copy of the largest</source>
        <translation>fp32，共 %1；峰值时为已写出的梯度（反向传播边写梯度边释放激活），在优化器步骤时另有最大一个梯度的 float64 副本</translation>
    </message>
    <message>
        <source>fp32, adapters only, %1 in all; at the peak those written so far (backward frees activations as it writes them) and, at the optimizer step, a float64 copy of the largest</source>
        <translation>fp32，仅适配器，共 %1；峰值时为已写出的梯度（反向传播边写梯度边释放激活），在优化器步骤时另有最大一个梯度的 float64 副本</translation>
    </message>
    <message>
        <source>run %1 (%2) is a LoRA adapter on %3: its checkpoints load only with that base</source>
        <translation>运行 %1（%2）是基于 %3 的 LoRA 适配器：它的检查点只能与这个基座一起加载</translation>
    </message>
    <message>
        <source>run %1 (%2) is unfinished and distills from %3: it reloads its teacher when it resumes</source>
        <translation>运行 %1（%2）尚未完成，并从 %3 蒸馏：它在续训时会重新加载教师模型</translation>
    </message>
    <message>
        <source>run %1 does not exist in %2</source>
        <translation>%2 中没有运行 %1</translation>
    </message>
    <message>
        <source>run %1 (%2) is still needed: %3. Delete those runs first, or with it.</source>
        <translation>运行 %1（%2）仍被需要：%3。请先删除那些运行，或与它一起删除。</translation>
    </message>
    <message>
        <source>runs depend on each other in a cycle; nothing more was deleted</source>
        <translation>运行之间存在循环依赖；没有再删除任何运行</translation>
    </message>
    <message>
        <source>the loss is %1</source>
        <translation>损失为 %1</translation>
    </message>
    <message>
        <source>the gradient norm is %1</source>
        <translation>梯度范数为 %1</translation>
    </message>
    <message>
        <source>the loss %1 is %2 standard deviations above the last steps</source>
        <translation>损失 %1 比最近几步高出 %2 个标准差</translation>
    </message>
    <message>
        <source>the gradient norm %1 is %2 standard deviations above the last steps</source>
        <translation>梯度范数 %1 比最近几步高出 %2 个标准差</translation>
    </message>
    <message>
        <source>fp16 gradient overflow, loss scale lowered to %1</source>
        <translation>fp16 梯度溢出，损失缩放降至 %1</translation>
    </message>
    <message>
        <source>the gradient norm is %1 at the smallest fp16 loss scale (%2): the gradients are not finite even unscaled</source>
        <translation>在最小的 fp16 损失缩放（%2）下梯度范数仍为 %1：梯度即使不缩放也不是有限值</translation>
    </message>
    <message>
        <source>LoRA r=%1, alpha %2 on %3 projections (%4): %5 of %6 parameters train</source>
        <translation>LoRA r=%1，alpha %2，作用于 %3 个投影（%4）：训练 %6 个参数中的 %5 个</translation>
    </message>
    <message>
        <source>context extended from %1 to %2 tokens (data.seq_len)%3; RoPE theta %4 and %5 rotary dims carried over from the base checkpoint</source>
        <translation>上下文从 %1 扩展到 %2 个词元（data.seq_len）%3；沿用基座检查点的 RoPE theta %4 和 %5 个旋转维度</translation>
    </message>
    <message>
        <source>context of %1 tokens%2; RoPE theta %3 and %4 rotary dims carried over from the base checkpoint</source>
        <translation>上下文 %1 个词元%2；沿用基座检查点的 RoPE theta %3 和 %4 个旋转维度</translation>
    </message>
    <message>
        <source> with RoPE scaling %1 (factor %2 over %3 tokens)</source>
        <translation>，RoPE 缩放 %1（在 %3 个词元上的系数 %2）</translation>
    </message>
    <message>
        <source>%1: written by a newer Danka (checkpoint version %2; this build reads up to %3)</source>
        <translation>%1：由更新版本的单卡写入（检查点版本 %2；本版本最高只能读取 %3）</translation>
    </message>
    <message>
        <source>%1: "version" must be a positive integer, got %2</source>
        <translation>%1：“version” 必须是正整数，实际为 %2</translation>
    </message>
    <message>
        <source>Training stage: pretrain, sft or distill, with LoRA as stage.lora.enabled (reward, dpo, ppo and grpo are coming; validation refuses them)</source>
        <translation>训练阶段：pretrain、sft 或 distill，LoRA 由 stage.lora.enabled 开启（reward、dpo、ppo 和 grpo 即将推出；校验会拒绝它们）</translation>
    </message>
    <message>
        <source>LoRA: train low-rank adapters on the frozen base instead of every weight (fine-tuning stages)</source>
        <translation>LoRA：在冻结的基座上训练低秩适配器，而不是全部权重（微调阶段）</translation>
    </message>
    <message>
        <source>stage.kind "lora" (a config of an earlier Danka) is read as "sft" with stage.lora.enabled: LoRA is now a setting of every fine-tuning stage</source>
        <translation>stage.kind "lora"（旧版单卡的配置）按 "sft" 加 stage.lora.enabled 读取：LoRA 现在是每个微调阶段的一项设置</translation>
    </message>
    <message>
        <source>unknown stage "%1"; this version trains %2</source>
        <translation>未知阶段 "%1"；此版本可训练 %2</translation>
    </message>
    <message>
        <source>"%1" is not available in this version yet (reward, dpo, ppo and grpo are coming); it trains %2</source>
        <translation>此版本尚不支持 "%1"（reward、dpo、ppo 和 grpo 即将推出）；可训练 %2</translation>
    </message>
    <message>
        <source>stage "%1" always starts from random weights: leave it empty</source>
        <translation>阶段 "%1" 总是从随机权重开始：请留空</translation>
    </message>
    <message>
        <source>stage "%1" trains every weight; LoRA adapters are for the fine-tuning stages (%2)</source>
        <translation>阶段 "%1" 训练全部权重；LoRA 适配器用于微调阶段（%2）</translation>
    </message>
    <message>
        <source>Choose the dataset to train on: this workspace's prepared %1 datasets are in the list.</source>
        <translation>请选择要训练的数据集：列表中是本工作区已准备好的 %1 数据集。</translation>
    </message>
    <message>
        <source>Choose the dataset to train on. This workspace has no prepared %1 dataset yet: prepare one on the Data page.</source>
        <translation>请选择要训练的数据集。本工作区还没有已准备好的 %1 数据集：请在“数据”页面准备一个。</translation>
    </message>
    <message>
        <source>The folder %1 does not exist.</source>
        <translation>文件夹 %1 不存在。</translation>
    </message>
    <message>
        <source>%1 is not a prepared dataset (it has no dataset.json): prepare it on the Data page.</source>
        <translation>%1 不是已准备的数据集（缺少 dataset.json）：请在“数据”页面准备它。</translation>
    </message>
    <message>
        <source>%1 holds %2 data; the %3 stage trains on %4 data.</source>
        <translation>%1 包含 %2 数据；%3 阶段需要 %4 数据。</translation>
    </message>
    <message>
        <source>%1 has changed since the dataset was prepared (checksum %2)</source>
        <translation>%1 在准备数据集之后已被修改（校验和 %2）</translation>
    </message>
    <message>
        <source>reward model on preference pairs (coming)</source>
        <translation>基于偏好对的奖励模型（即将推出）</translation>
    </message>
    <message>
        <source>direct preference optimisation on preference pairs (coming)</source>
        <translation>基于偏好对的直接偏好优化（即将推出）</translation>
    </message>
    <message>
        <source>PPO against a reward model (coming)</source>
        <translation>以奖励模型为目标的 PPO（即将推出）</translation>
    </message>
    <message>
        <source>GRPO with group-relative rewards (coming)</source>
        <translation>组相对奖励的 GRPO（即将推出）</translation>
    </message>
    <message>
        <source>distillation on conversations: R1-style weighted replies, and with a teacher checkpoint white-box KL</source>
        <translation>对话蒸馏：R1 式加权回复；指定教师检查点时为白盒 KL 蒸馏</translation>
    </message>
    <message>
        <source>next-token prediction on packed documents, from scratch or continued from a checkpoint</source>
        <translation>在打包文档上预测下一个词元，从零开始或从检查点继续</translation>
    </message>
    <message>
        <source>supervised fine-tuning on conversations: the loss on the assistant's replies</source>
        <translation>对话监督微调：只在助手回复上计算损失</translation>
    </message>
</context>
<context>
    <name>danka::ui</name>
    <message>
        <source>%1 (%2 left)</source>
        <translation>%1（剩余 %2）</translation>
    </message>
</context>
<context>
    <name>danka::ui::ChatPage</name>
    <message>
        <source>complete</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>stop string</source>
        <translation>停止字符串</translation>
    </message>
    <message>
        <source>token limit reached</source>
        <translation>达到词元上限</translation>
    </message>
    <message>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>发送(&amp;S)</translation>
    </message>
    <message>
        <source>S&amp;top</source>
        <translation>停止(&amp;T)</translation>
    </message>
    <message>
        <source>Choose a checkpoint, then type a message below.</source>
        <translation>选择一个检查点，然后在下方输入消息。</translation>
    </message>
    <message>
        <source>Message (Enter sends, Shift+Enter starts a new line)</source>
        <translation>消息（Enter 发送，Shift+Enter 换行）</translation>
    </message>
    <message>
        <source>No model loaded.</source>
        <translation>未加载模型。</translation>
    </message>
    <message>
        <source>Loading %1</source>
        <translation>正在加载 %1</translation>
    </message>
    <message>
        <source>Cannot load %1: another job of this page is still running.</source>
        <translation>无法加载 %1：本页的另一个任务仍在运行。</translation>
    </message>
    <message>
        <source>Loading %1...</source>
        <translation>正在加载 %1...</translation>
    </message>
    <message>
        <source>%1
%2 parameters · %3 layers · context %4 tokens · %5</source>
        <translation>%1
%2 参数 · %3 层 · 上下文 %4 词元 · %5</translation>
    </message>
    <message>
        <source>the load was cancelled</source>
        <translation>加载已取消</translation>
    </message>
    <message>
        <source>Cannot load the checkpoint %1:
%2</source>
        <translation>无法加载检查点 %1：
%2</translation>
    </message>
    <message>
        <source>Conversation %1 no longer exists.</source>
        <translation>对话 %1 已不存在。</translation>
    </message>
    <message>
        <source>Wait for the reply to finish, or stop it.</source>
        <translation>请等待回复完成，或停止它。</translation>
    </message>
    <message>
        <source>The model is still loading.</source>
        <translation>模型仍在加载。</translation>
    </message>
    <message>
        <source>Choose a checkpoint to chat with first.</source>
        <translation>请先选择要对话的检查点。</translation>
    </message>
    <message>
        <source>The conversation could not be saved: %1</source>
        <translation>无法保存对话：%1</translation>
    </message>
    <message>
        <source>Cannot start the reply: another job of this page is still running.</source>
        <translation>无法开始回复：本页的另一个任务仍在运行。</translation>
    </message>
    <message>
        <source>Generating...</source>
        <translation>正在生成...</translation>
    </message>
    <message>
        <source>Stopping...</source>
        <translation>正在停止...</translation>
    </message>
    <message>
        <source>The reply failed: %1</source>
        <translation>回复失败：%1</translation>
    </message>
    <message>
        <source>no result</source>
        <translation>没有结果</translation>
    </message>
    <message>
        <source>The reply could not be saved: %1</source>
        <translation>无法保存回复：%1</translation>
    </message>
    <message>
        <source>%1 earlier messages were left out to fit the model's context.</source>
        <translation>为适应模型的上下文长度，省略了之前的 %1 条消息。</translation>
    </message>
    <message>
        <source>Cannot load the adapter %1:
%2</source>
        <translation>无法加载适配器 %1：
%2</translation>
    </message>
    <message>
        <source>Loading %1 with the adapter %2...</source>
        <translation>正在加载 %1 及适配器 %2...</translation>
    </message>
    <message>
        <source>LoRA adapter (not merged): %1</source>
        <translation>LoRA 适配器（未合并）：%1</translation>
    </message>
    <message>
        <source>Cannot load the checkpoint %1 with the adapter %2:
%3</source>
        <translation>无法加载检查点 %1 及适配器 %2：
%3</translation>
    </message>
    <message numerus="yes">
        <source>%n token(s) in %1 s · %2 tokens/s · %3</source>
        <translation><numerusform>%n 个词元，用时 %1 秒 · %2 词元/秒 · %3</numerusform></translation>
    </message>
    <message>
        <source>Models under %1 parameters are tiny: Danka answers with greedy decoding (the most likely reply, the same each time), since sampling mostly adds noise at this size. The Sampling settings change it.</source>
        <translation>参数少于 %1 的模型属于微型模型：单卡用贪心解码回答（总是最可能的回复，每次相同），因为在这个规模下采样主要只会增加噪声。可在“采样”设置中更改。</translation>
    </message>
    <message>
        <source>Loading the model...</source>
        <translation>正在加载模型...</translation>
    </message>
    <message>
        <source>Type a message below.</source>
        <translation>在下方输入消息。</translation>
    </message>
    <message>
        <source>A tiny model (%1 parameters): expect short replies in the style of its training data, not facts or reasoning.</source>
        <translation>微型模型（%1 参数）：只能给出训练数据风格的简短回复，不要指望事实或推理。</translation>
    </message>
</context>
<context>
    <name>danka::ui::ChatSettingsPane</name>
    <message>
        <source>Optional: instructions the model sees before the conversation</source>
        <translation>可选：模型在对话开始前看到的指令</translation>
    </message>
    <message>
        <source>Checkpoint</source>
        <translation>检查点</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <source>Sampling</source>
        <translation>采样</translation>
    </message>
</context>
<context>
    <name>danka::ui::CheckpointChoices</name>
    <message>
        <source>%1 · step %2</source>
        <translation>%1 · 第 %2 步</translation>
    </message>
</context>
<context>
    <name>danka::ui::ComparePage</name>
    <message>
        <source>Log scale</source>
        <translation>对数坐标</translation>
    </message>
    <message>
        <source>Export PNG...</source>
        <translation>导出 PNG...</translation>
    </message>
    <message>
        <source>Export CSV...</source>
        <translation>导出 CSV...</translation>
    </message>
    <message>
        <source>Filter runs by name, stage or status</source>
        <translation>按名称、阶段或状态筛选运行</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>词元数</translation>
    </message>
    <message>
        <source>Wall time</source>
        <translation>实际耗时</translation>
    </message>
    <message>
        <source>Exponential moving average weight (0 = raw values)</source>
        <translation>指数移动平均权重（0 = 原始值）</translation>
    </message>
    <message>
        <source>Metric:</source>
        <translation>指标：</translation>
    </message>
    <message>
        <source>X axis:</source>
        <translation>横轴：</translation>
    </message>
    <message>
        <source>Smoothing:</source>
        <translation>平滑：</translation>
    </message>
    <message>
        <source>No workspace is open.
Use File &gt; Open Workspace to choose one.</source>
        <translation>尚未打开工作区。
请通过“文件 &gt; 打开工作区”选择一个。</translation>
    </message>
    <message>
        <source>Cannot read the workspace:
%1</source>
        <translation>无法读取工作区：
%1</translation>
    </message>
    <message>
        <source>Check runs on the left to overlay their curves.</source>
        <translation>在左侧勾选运行，叠加显示它们的曲线。</translation>
    </message>
    <message>
        <source>Not drawn: %1.</source>
        <translation>未绘制：%1。</translation>
    </message>
    <message>
        <source>None of the checked runs has %1 values to export.</source>
        <translation>勾选的运行都没有可导出的 %1 数据。</translation>
    </message>
    <message>
        <source>Export Chart as PNG</source>
        <translation>将图表导出为 PNG</translation>
    </message>
    <message>
        <source>Export Series as CSV</source>
        <translation>将数据导出为 CSV</translation>
    </message>
    <message>
        <source>PNG images (*.png)</source>
        <translation>PNG 图片 (*.png)</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>Chart of %1 saved as %2</source>
        <translation>%1 的图表已保存为 %2</translation>
    </message>
    <message>
        <source>Series of %1 exported to %2</source>
        <translation>%1 的数据序列已导出到 %2</translation>
    </message>
</context>
<context>
    <name>danka::ui::ConfigDiffModel</name>
    <message>
        <source>Not set in this run</source>
        <translation>此运行未设置</translation>
    </message>
    <message>
        <source>Key</source>
        <translation>键</translation>
    </message>
</context>
<context>
    <name>danka::ui::ConfigDiffPane</name>
    <message>
        <source>Show all keys</source>
        <translation>显示所有键</translation>
    </message>
    <message>
        <source>Config differences</source>
        <translation>配置差异</translation>
    </message>
    <message>
        <source>Check two or more runs to see how their configs differ.</source>
        <translation>勾选两个或更多运行，查看它们的配置差异。</translation>
    </message>
    <message>
        <source>The checked runs have the same config.</source>
        <translation>勾选的运行配置相同。</translation>
    </message>
    <message>
        <source>Keys that differ: %1</source>
        <translation>不同的键：%1</translation>
    </message>
</context>
<context>
    <name>danka::ui::ConfigForm</name>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Optimizer</source>
        <translation>优化器</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>调度</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Runtime</source>
        <translation>运行时</translation>
    </message>
    <message>
        <source>Allowed: %1</source>
        <translation>允许范围：%1</translation>
    </message>
    <message>
        <source>Default: %1</source>
        <translation>默认值：%1</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>（空）</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>浏览...</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>Choose the folder for %1</source>
        <translation>为 %1 选择文件夹</translation>
    </message>
    <message>
        <source>Not available in this version of Danka</source>
        <translation>此版本的 Danka 尚不支持</translation>
    </message>
    <message>
        <source>Model (from the base checkpoint)</source>
        <translation>模型（来自基础检查点）</translation>
    </message>
    <message>
        <source>A fine-tuning stage trains the base checkpoint's model: its settings are shown, not edited. The context grows to data.seq_len when that is longer.</source>
        <translation>微调阶段训练的是基础检查点的模型：这里只显示其设置，不可编辑。若 data.seq_len 更长，上下文会扩展到该长度。</translation>
    </message>
</context>
<context>
    <name>danka::ui::ConfigPage</name>
    <message>
        <source>Start Run</source>
        <translation>开始运行</translation>
    </message>
    <message>
        <source>Load a preset...</source>
        <translation>加载预设...</translation>
    </message>
    <message>
        <source>Start from a built-in config</source>
        <translation>从内置配置开始</translation>
    </message>
    <message>
        <source>&amp;Open...</source>
        <translation>打开(&amp;O)...</translation>
    </message>
    <message>
        <source>Open a JSON config file</source>
        <translation>打开 JSON 配置文件</translation>
    </message>
    <message>
        <source>&amp;Save As...</source>
        <translation>另存为(&amp;S)...</translation>
    </message>
    <message>
        <source>Save the JSON view to a file</source>
        <translation>将 JSON 视图保存到文件</translation>
    </message>
    <message>
        <source>Preset:</source>
        <translation>预设：</translation>
    </message>
    <message>
        <source>JSON</source>
        <translation>JSON</translation>
    </message>
    <message>
        <source>Cannot list the workspace's datasets and checkpoints: %1</source>
        <translation>无法列出工作区的数据集和检查点：%1</translation>
    </message>
    <message>
        <source>invalid JSON</source>
        <translation>无效的 JSON</translation>
    </message>
    <message>
        <source>The JSON view does not parse; the form keeps the last valid config.</source>
        <translation>JSON 视图无法解析；表单保留最后一次有效的配置。</translation>
    </message>
    <message>
        <source>Problems in the config: %1. Each is shown next to its field.</source>
        <translation>配置中有 %1 个问题，每个问题显示在对应字段旁边。</translation>
    </message>
    <message>
        <source>In sync with the form. Edits here are read after a short pause.</source>
        <translation>与表单同步。此处的编辑会在短暂停顿后读取。</translation>
    </message>
    <message>
        <source>Open a workspace to start a run</source>
        <translation>请先打开工作区再开始运行</translation>
    </message>
    <message>
        <source>Fix the problems in the config first</source>
        <translation>请先修正配置中的问题</translation>
    </message>
    <message>
        <source>Start a training run with this config</source>
        <translation>用此配置开始训练运行</translation>
    </message>
    <message>
        <source>Unknown preset %1</source>
        <translation>未知预设 %1</translation>
    </message>
    <message>
        <source>Preset %1: %2</source>
        <translation>预设 %1：%2</translation>
    </message>
    <message>
        <source>Cannot open %1: %2</source>
        <translation>无法打开 %1：%2</translation>
    </message>
    <message>
        <source>%1 is too large for a config file (%2)</source>
        <translation>%1 太大，不像配置文件（%2）</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>无法读取 %1：%2</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>Opened %1</source>
        <translation>已打开 %1</translation>
    </message>
    <message>
        <source>Opened %1; it has problems, shown next to their fields</source>
        <translation>已打开 %1；其中有问题，显示在对应字段旁边</translation>
    </message>
    <message>
        <source>Cannot save %1: %2</source>
        <translation>无法保存 %1：%2</translation>
    </message>
    <message>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <source>Open Config</source>
        <translation>打开配置</translation>
    </message>
    <message>
        <source>JSON configs (*.json);;All files (*)</source>
        <translation>JSON 配置 (*.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Save Config</source>
        <translation>保存配置</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
</context>
<context>
    <name>danka::ui::ConversationListModel</name>
    <message>
        <source>Untitled</source>
        <translation>未命名</translation>
    </message>
    <message>
        <source>%1
Checkpoint: %2</source>
        <translation>%1
检查点：%2</translation>
    </message>
    <message numerus="yes">
        <source>%1
%2 · %n message(s)</source>
        <translation><numerusform>%1
%2 · %n 条消息</numerusform></translation>
    </message>
</context>
<context>
    <name>danka::ui::ConversationsPane</name>
    <message>
        <source>&amp;New</source>
        <translation>新建(&amp;N)</translation>
    </message>
    <message>
        <source>De&amp;lete</source>
        <translation>删除(&amp;L)</translation>
    </message>
    <message>
        <source>Click a conversation to reopen it; double-click to rename it.</source>
        <translation>单击对话以重新打开；双击以重命名。</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Delete Conversation</source>
        <translation>删除对话</translation>
    </message>
    <message>
        <source>Delete the conversation "%1" and its %2 messages?</source>
        <translation>删除对话“%1”及其 %2 条消息？</translation>
    </message>
</context>
<context>
    <name>danka::ui::DataPage</name>
    <message>
        <source>Open &amp;File...</source>
        <translation>打开文件(&amp;F)...</translation>
    </message>
    <message>
        <source>Open &amp;Dataset...</source>
        <translation>打开数据集(&amp;D)...</translation>
    </message>
    <message>
        <source>&amp;Prepare...</source>
        <translation>准备数据集(&amp;P)...</translation>
    </message>
    <message>
        <source>Open a raw data file: JSONL, a JSON array, or plain text</source>
        <translation>打开原始数据文件：JSONL、JSON 数组或纯文本</translation>
    </message>
    <message>
        <source>Open a prepared dataset folder (one with dataset.json)</source>
        <translation>打开已准备好的数据集文件夹（含 dataset.json）</translation>
    </message>
    <message>
        <source>Clean, deduplicate and tokenize raw files into a dataset of the workspace</source>
        <translation>清洗、去重并分词原始文件，生成工作区中的数据集</translation>
    </message>
    <message>
        <source>Detect layout</source>
        <translation>自动检测格式</translation>
    </message>
    <message>
        <source>Read the file as this layout instead of detecting it</source>
        <translation>按此格式读取文件，而不是自动检测</translation>
    </message>
    <message>
        <source>Layout:</source>
        <translation>格式：</translation>
    </message>
    <message>
        <source>Go to record number</source>
        <translation>跳转到记录编号</translation>
    </message>
    <message>
        <source>Go to #</source>
        <translation>跳转到 #</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Statistics</source>
        <translation>统计</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <source>%1 tokens</source>
        <translation>%1 个词元</translation>
    </message>
    <message>
        <source>Characters</source>
        <translation>字符</translation>
    </message>
    <message>
        <source>Open a workspace first: datasets are prepared into it</source>
        <translation>请先打开工作区：数据集会准备到工作区中</translation>
    </message>
    <message>
        <source>Open Data File</source>
        <translation>打开数据文件</translation>
    </message>
    <message>
        <source>Data files (*.jsonl *.json *.txt *.md);;All files (*)</source>
        <translation>数据文件 (*.jsonl *.json *.txt *.md);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Open Prepared Dataset</source>
        <translation>打开已准备的数据集</translation>
    </message>
    <message>
        <source>%1 does not exist.</source>
        <translation>%1 不存在。</translation>
    </message>
    <message>
        <source>%1 is a folder, not a data file.</source>
        <translation>%1 是文件夹，不是数据文件。</translation>
    </message>
    <message>
        <source>%1 cannot be read.</source>
        <translation>无法读取 %1。</translation>
    </message>
    <message>
        <source>%1 is not a folder.</source>
        <translation>%1 不是文件夹。</translation>
    </message>
    <message>
        <source>%1 is not a prepared dataset: it has no dataset.json.</source>
        <translation>%1 不是已准备的数据集：缺少 dataset.json。</translation>
    </message>
    <message>
        <source>Loading %1...</source>
        <translation>正在加载 %1...</translation>
    </message>
    <message>
        <source>Cannot open the file: %1</source>
        <translation>无法打开文件：%1</translation>
    </message>
    <message>
        <source>Indexing %1</source>
        <translation>正在索引 %1</translation>
    </message>
    <message>
        <source>Cannot open the dataset: %1</source>
        <translation>无法打开数据集：%1</translation>
    </message>
    <message>
        <source>%1 (from the workspace)</source>
        <translation>%1（来自工作区）</translation>
    </message>
    <message>
        <source>%1 (named in dataset.json)</source>
        <translation>%1（dataset.json 中指定）</translation>
    </message>
    <message>
        <source>not found (%1): the table shows token ids</source>
        <translation>未找到（%1）：表格显示词元 ID</translation>
    </message>
    <message>
        <source>no tokenizer with its checksum</source>
        <translation>没有校验和匹配的分词器</translation>
    </message>
    <message>
        <source>Segment lengths: all %1 segments</source>
        <translation>片段长度：全部 %1 个片段</translation>
    </message>
    <message>
        <source>tokens</source>
        <translation>词元</translation>
    </message>
    <message>
        <source>segments</source>
        <translation>片段</translation>
    </message>
    <message>
        <source>%1 segments</source>
        <translation>%1 个片段</translation>
    </message>
    <message>
        <source>Opening %1</source>
        <translation>正在打开 %1</translation>
    </message>
    <message>
        <source>%1 entries</source>
        <translation>%1 个条目</translation>
    </message>
    <message>
        <source>&lt;p&gt;%1 entries in %2. Reading the whole file for statistics...&lt;/p&gt;</source>
        <translation>&lt;p&gt;%2 中共 %1 个条目。正在读取整个文件以计算统计...&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Statistics of %1</source>
        <translation>%1 的统计</translation>
    </message>
    <message>
        <source>Statistics failed: %1</source>
        <translation>统计失败：%1</translation>
    </message>
    <message>
        <source>Layout</source>
        <translation>格式</translation>
    </message>
    <message>
        <source> (one JSON array)</source>
        <translation>（单个 JSON 数组）</translation>
    </message>
    <message>
        <source>File size</source>
        <translation>文件大小</translation>
    </message>
    <message>
        <source>Valid records</source>
        <translation>有效记录</translation>
    </message>
    <message>
        <source>Rejected lines</source>
        <translation>被拒绝的行</translation>
    </message>
    <message>
        <source>Characters per record</source>
        <translation>每条记录字符数</translation>
    </message>
    <message>
        <source>%1 on average, %2 at most</source>
        <translation>平均 %1，最多 %2</translation>
    </message>
    <message>
        <source>Tokens per record</source>
        <translation>每条记录词元数</translation>
    </message>
    <message>
        <source>Lengths in characters of all %1 records</source>
        <translation>全部 %1 条记录的字符长度</translation>
    </message>
    <message>
        <source>Lengths in tokens of the first %1 of %2 records (a sample)</source>
        <translation>前 %1 条（共 %2 条）记录的词元长度（抽样）</translation>
    </message>
    <message>
        <source>Lengths in tokens of all %1 records</source>
        <translation>全部 %1 条记录的词元长度</translation>
    </message>
    <message>
        <source>Tokens as data prepare counts them before cleaning: chat template for conversations, the prompt and the longer reply of a preference pair, &lt;/s&gt; after a document.</source>
        <translation>词元数按数据准备（清洗前）的方式计算：对话套用聊天模板，偏好对计提示加较长的回答，文档末尾加 &lt;/s&gt;。</translation>
    </message>
    <message>
        <source>characters</source>
        <translation>字符</translation>
    </message>
    <message>
        <source>records</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Rejected lines: %1</source>
        <translation>被拒绝的行：%1</translation>
    </message>
    <message>
        <source>Every entry of the file is a valid record.</source>
        <translation>文件中的每个条目都是有效记录。</translation>
    </message>
    <message>
        <source>First %1 examples</source>
        <translation>前 %1 个示例</translation>
    </message>
    <message>
        <source>No valid record in %1. First problem: %2</source>
        <translation>%1 中没有有效记录。第一个问题：%2</translation>
    </message>
    <message>
        <source>%1 of %2 lines were rejected (see Rejected). First: %3</source>
        <translation>%2 行中有 %1 行被拒绝（见“已拒绝”）。第一个：%3</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>目录</translation>
    </message>
    <message>
        <source>Tokenizer</source>
        <translation>分词器</translation>
    </message>
    <message>
        <source>Token type</source>
        <translation>词元类型</translation>
    </message>
    <message>
        <source>Prepared</source>
        <translation>准备时间</translation>
    </message>
    <message>
        <source>Splits</source>
        <translation>数据划分</translation>
    </message>
    <message>
        <source>Records</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Segments</source>
        <translation>片段</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>词元数</translation>
    </message>
    <message>
        <source>validation</source>
        <translation>验证集</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练集</translation>
    </message>
    <message>
        <source>Cleaning</source>
        <translation>清洗</translation>
    </message>
    <message>
        <source>%1 records read, %2 kept; deduplication: %3</source>
        <translation>读取 %1 条记录，保留 %2 条；去重：%3</translation>
    </message>
    <message>
        <source>Removed</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Changed</source>
        <translation>修改</translation>
    </message>
    <message>
        <source>Languages: %1</source>
        <translation>语言：%1</translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>%1: %2, %3 records, %4 rejected</source>
        <translation>%1：%2，%3 条记录，%4 条被拒绝</translation>
    </message>
    <message>
        <source>Removed by cleaning</source>
        <translation>被清洗移除</translation>
    </message>
    <message>
        <source>Open a data file or a prepared dataset to see its records.</source>
        <translation>打开数据文件或已准备的数据集以查看其记录。</translation>
    </message>
    <message>
        <source>Select a record to see it in full.</source>
        <translation>选择一条记录以查看完整内容。</translation>
    </message>
    <message>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>conversation, %1 turns</source>
        <translation>对话，%1 轮</translation>
    </message>
    <message>
        <source>preference pair</source>
        <translation>偏好对</translation>
    </message>
    <message>
        <source>%1 characters</source>
        <translation>%1 个字符</translation>
    </message>
    <message>
        <source>(cut here: %1 tokens in all)</source>
        <translation>（在此截断：共 %1 个词元）</translation>
    </message>
    <message>
        <source>%1, segment %2</source>
        <translation>%1，第 %2 个片段</translation>
    </message>
    <message>
        <source>Highlighted: the tokens trained on (loss mask).</source>
        <translation>高亮：参与训练的词元（损失掩码）。</translation>
    </message>
    <message>
        <source>Chosen</source>
        <translation>优选回答</translation>
    </message>
</context>
<context>
    <name>danka::ui::EstimatePane</name>
    <message>
        <source>micro-batch %1</source>
        <translation>微批量 %1</translation>
    </message>
    <message>
        <source>no activation checkpointing</source>
        <translation>不做激活检查点</translation>
    </message>
    <message>
        <source>activation checkpointing every block</source>
        <translation>每个块做激活检查点</translation>
    </message>
    <message>
        <source>activation checkpointing every %1 blocks</source>
        <translation>每 %1 个块做激活检查点</translation>
    </message>
    <message>
        <source>AdamW moments in CPU memory</source>
        <translation>AdamW 动量放在 CPU 内存</translation>
    </message>
    <message>
        <source>Size and memory</source>
        <translation>规模与内存</translation>
    </message>
    <message>
        <source>Use This Plan</source>
        <translation>采用此方案</translation>
    </message>
    <message>
        <source>%1 GiB</source>
        <translation>%1 GiB</translation>
    </message>
    <message>
        <source>GPU memory the plan must fit (runtime.memory_budget_gib)</source>
        <translation>训练方案必须放进的显存（runtime.memory_budget_gib）</translation>
    </message>
    <message>
        <source>Set the suggested micro-batch, precision and activation checkpointing, and scale gradient accumulation to keep the tokens per step</source>
        <translation>采用建议的微批量、精度和激活检查点，并调整梯度累积以保持每步的 token 数</translation>
    </message>
    <message>
        <source>GPU budget:</source>
        <translation>显存预算：</translation>
    </message>
    <message>
        <source>? parameters</source>
        <translation>? 参数</translation>
    </message>
    <message>
        <source>runtime.device is cpu: the estimate is of main memory (no CUDA context), checked against the same budget.</source>
        <translation>runtime.device 为 cpu：估算的是主内存（无 CUDA 上下文），仍按同一预算检查。</translation>
    </message>
    <message>
        <source>No estimate until the model, sequence, batch and runtime fields are valid.</source>
        <translation>模型、序列、批量和运行时字段有效后才能估算。</translation>
    </message>
    <message>
        <source>No estimate: %1</source>
        <translation>无法估算：%1</translation>
    </message>
    <message>
        <source>%1 parameters</source>
        <translation>%1 参数</translation>
    </message>
    <message>
        <source>%1 trainable parameters</source>
        <translation>%1 个可训练参数</translation>
    </message>
    <message>
        <source>Fits: needs %1 of %2 (%3 to spare) with %4</source>
        <translation>放得下：需要 %1，预算 %2（余 %3），方案：%4</translation>
    </message>
    <message>
        <source>Does not fit: needs %1 of %2</source>
        <translation>放不下：需要 %1，预算 %2</translation>
    </message>
    <message>
        <source>: %1 %2</source>
        <translation>：%1 %2</translation>
    </message>
    <message>
        <source>; a plan that fits: %1 (%2)</source>
        <translation>；可行的方案：%1（%2）</translation>
    </message>
    <message>
        <source>; no plan fits: use a smaller model, a shorter sequence or a larger card</source>
        <translation>；没有可行的方案：请使用更小的模型、更短的序列或显存更大的显卡</translation>
    </message>
</context>
<context>
    <name>danka::ui::HistogramView</name>
    <message>
        <source>%1 %2: %3 %4</source>
        <translation>%1 %2：%3 %4</translation>
    </message>
</context>
<context>
    <name>danka::ui::MainWindow</name>
    <message>
        <source>Danka</source>
        <translation>单卡</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open Workspace...</source>
        <translation>打开工作区(&amp;O)...</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Runs</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Delete Run...</source>
        <translation>删除运行(&amp;D)...</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;About Danka</source>
        <translation>关于单卡(&amp;A)</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>关于 &amp;Qt</translation>
    </message>
    <message>
        <source>Open Workspace</source>
        <translation>打开工作区</translation>
    </message>
    <message>
        <source>Cannot open the workspace:
%1</source>
        <translation>无法打开工作区：
%1</translation>
    </message>
    <message>
        <source>Danka - %1</source>
        <translation>单卡 - %1</translation>
    </message>
    <message>
        <source>&amp;Clear Menu</source>
        <translation>清空列表(&amp;C)</translation>
    </message>
    <message>
        <source>No workspace</source>
        <translation>未打开工作区</translation>
    </message>
    <message>
        <source>available</source>
        <translation>可用</translation>
    </message>
    <message>
        <source>not available (%1)</source>
        <translation>不可用（%1）</translation>
    </message>
    <message>
        <source>not built</source>
        <translation>未编译</translation>
    </message>
    <message>
        <source>About Danka</source>
        <translation>关于单卡</translation>
    </message>
    <message>
        <source>Workspace %1 | runs: %2</source>
        <translation>工作区 %1 | 运行：%2</translation>
    </message>
    <message>
        <source>Data</source>
        <translation>数据</translation>
    </message>
    <message>
        <source>Browse raw files and prepared datasets; prepare data</source>
        <translation>浏览原始文件和已准备的数据集；准备数据</translation>
    </message>
    <message>
        <source>Tokenizer</source>
        <translation>分词器</translation>
    </message>
    <message>
        <source>Train tokenizers and try them</source>
        <translation>训练并试用分词器</translation>
    </message>
    <message>
        <source>Configure</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>Edit a run config and check its memory plan</source>
        <translation>编辑运行配置并检查显存规划</translation>
    </message>
    <message>
        <source>Start, watch and control training runs</source>
        <translation>启动、观察和控制训练运行</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>对比</translation>
    </message>
    <message>
        <source>Overlay the metrics of runs and diff their configs</source>
        <translation>叠加多个运行的指标并比较配置差异</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Talk to a checkpoint</source>
        <translation>与检查点对话</translation>
    </message>
    <message>
        <source>starting</source>
        <translation>正在启动</translation>
    </message>
    <message>
        <source>&amp;Preferences...</source>
        <translation>首选项(&amp;P)...</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;New Run from a Config File...</source>
        <translation>从配置文件新建运行(&amp;N)...</translation>
    </message>
    <message>
        <source>&amp;Pause Training</source>
        <translation>暂停训练(&amp;P)</translation>
    </message>
    <message>
        <source>Res&amp;ume Training</source>
        <translation>继续训练(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Stop Training</source>
        <translation>停止训练(&amp;S)</translation>
    </message>
    <message>
        <source>Run the &amp;Demo</source>
        <translation>运行演示(&amp;D)</translation>
    </message>
    <message>
        <source>Train the demo tokenizer and model on the shipped corpus, with live charts</source>
        <translation>在自带语料上训练演示分词器和模型，并实时显示图表</translation>
    </message>
    <message>
        <source>A job is running in this workspace; stop it before opening another workspace.</source>
        <translation>此工作区有任务正在运行；请先停止它再打开其他工作区。</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>剩余 %1</translation>
    </message>
    <message numerus="yes">
        <source>%n more job(s)</source>
        <translation><numerusform>另有 %n 个任务</numerusform></translation>
    </message>
    <message>
        <source>%1: done</source>
        <translation>%1：完成</translation>
    </message>
    <message>
        <source>%1: stopped</source>
        <translation>%1：已停止</translation>
    </message>
    <message>
        <source>%1 failed: %2</source>
        <translation>%1 失败：%2</translation>
    </message>
    <message>
        <source>Run the Demo</source>
        <translation>运行演示</translation>
    </message>
    <message>
        <source>Open a workspace first (File &gt; Open Workspace).</source>
        <translation>请先打开一个工作区（文件 &gt; 打开工作区）。</translation>
    </message>
    <message>
        <source>The demo needs the training slot: a job is already running.</source>
        <translation>演示需要训练位：已有任务在运行。</translation>
    </message>
    <message>
        <source>Demo data</source>
        <translation>演示数据</translation>
    </message>
    <message>
        <source>Preferences</source>
        <translation>首选项</translation>
    </message>
    <message>
        <source>A job is running; restart Danka when it has finished.</source>
        <translation>有任务正在运行；请在它结束后重启单卡。</translation>
    </message>
    <message>
        <source>Quit Danka</source>
        <translation>退出单卡</translation>
    </message>
    <message>
        <source>A job is running. Stop it and quit? A training writes a checkpoint first and can be resumed.</source>
        <translation>有任务正在运行。停止并退出吗？训练会先写入检查点，之后可以继续。</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Danka %1&lt;/h3&gt;&lt;p&gt;Train and align a language model on one card.&lt;/p&gt;&lt;table cellspacing=3&gt;&lt;tr&gt;&lt;td&gt;Qt&lt;/td&gt;&lt;td&gt;%2&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;LibTorch&lt;/td&gt;&lt;td&gt;%3&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;CUDA&lt;/td&gt;&lt;td&gt;%4&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;Danka CUDA kernels&lt;/td&gt;&lt;td&gt;%5&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;SentencePiece&lt;/td&gt;&lt;td&gt;%6&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;SQLite&lt;/td&gt;&lt;td&gt;%7&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;Threads&lt;/td&gt;&lt;td&gt;%8 of %9&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;</source>
        <translation>&lt;h3&gt;单卡 Danka %1&lt;/h3&gt;&lt;p&gt;一张显卡，训练并对齐一个语言模型。&lt;/p&gt;&lt;table cellspacing=3&gt;&lt;tr&gt;&lt;td&gt;Qt&lt;/td&gt;&lt;td&gt;%2&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;LibTorch&lt;/td&gt;&lt;td&gt;%3&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;CUDA&lt;/td&gt;&lt;td&gt;%4&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;单卡 CUDA 算子&lt;/td&gt;&lt;td&gt;%5&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;SentencePiece&lt;/td&gt;&lt;td&gt;%6&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;SQLite&lt;/td&gt;&lt;td&gt;%7&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;线程&lt;/td&gt;&lt;td&gt;%8 / %9&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;</translation>
    </message>
    <message>
        <source>Demo conversations</source>
        <translation>演示对话数据</translation>
    </message>
    <message>
        <source>The demo is done: loading its model in Chat...</source>
        <translation>演示已完成：正在“对话”页面加载其模型...</translation>
    </message>
    <message>
        <source>The demo's model is ready: ask it %1</source>
        <translation>演示模型已就绪：可以问它 %1</translation>
    </message>
    <message>
        <source> or </source>
        <translation> 或 </translation>
    </message>
    <message>
        <source>Danka could not be started again; restart it yourself.</source>
        <translation>无法重新启动单卡，请手动重启。</translation>
    </message>
</context>
<context>
    <name>danka::ui::MemoryBar</name>
    <message>
        <source>%1: %2
%3</source>
        <translation>%1：%2
%3</translation>
    </message>
</context>
<context>
    <name>danka::ui::MemoryBreakdownModel</name>
    <message>
        <source>weights</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>autocast weight copies</source>
        <translation>自动混合精度权重副本</translation>
    </message>
    <message>
        <source>gradients</source>
        <translation>梯度</translation>
    </message>
    <message>
        <source>optimizer states</source>
        <translation>优化器状态</translation>
    </message>
    <message>
        <source>activations</source>
        <translation>激活</translation>
    </message>
    <message>
        <source>logits</source>
        <translation>logits</translation>
    </message>
    <message>
        <source>framework</source>
        <translation>框架开销</translation>
    </message>
    <message>
        <source>Part</source>
        <translation>部分</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>adapters</source>
        <translation>适配器</translation>
    </message>
    <message>
        <source>teacher</source>
        <translation>教师模型</translation>
    </message>
    <message>
        <source>distillation</source>
        <translation>蒸馏</translation>
    </message>
</context>
<context>
    <name>danka::ui::MessageView</name>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <source>Generating...</source>
        <translation>正在生成...</translation>
    </message>
    <message numerus="yes">
        <source>Thinking (%n character(s))</source>
        <translation><numerusform>思考（%n 个字符）</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Thinking... (%n character(s))</source>
        <translation><numerusform>思考中...（%n 个字符）</numerusform></translation>
    </message>
</context>
<context>
    <name>danka::ui::MetricChart</name>
    <message>
        <source>%1: %2 (raw %3)</source>
        <translation>%1：%2（原始值 %3）</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>Cannot write %1: %2</source>
        <translation>无法写入 %1：%2</translation>
    </message>
    <message>
        <source>Cannot write the image %1.</source>
        <translation>无法写入图片 %1。</translation>
    </message>
</context>
<context>
    <name>danka::ui::ModelPicker</name>
    <message>
        <source>Browse...</source>
        <translation>浏览...</translation>
    </message>
    <message>
        <source>No model loaded.</source>
        <translation>未加载模型。</translation>
    </message>
    <message>
        <source>A LoRA adapter put on the checkpoint above without merging it</source>
        <translation>叠加在上方检查点上的 LoRA 适配器（不合并）</translation>
    </message>
    <message>
        <source>Adapter:</source>
        <translation>适配器：</translation>
    </message>
    <message>
        <source>Choose a checkpoint...</source>
        <translation>选择检查点...</translation>
    </message>
    <message>
        <source>No adapter</source>
        <translation>不用适配器</translation>
    </message>
    <message>
        <source>Open Checkpoint Folder</source>
        <translation>打开检查点文件夹</translation>
    </message>
    <message>
        <source>Open LoRA Adapter Folder</source>
        <translation>打开 LoRA 适配器文件夹</translation>
    </message>
</context>
<context>
    <name>danka::ui::PrepareDialog</name>
    <message>
        <source>&amp;Add Files...</source>
        <translation>添加文件(&amp;A)...</translation>
    </message>
    <message>
        <source>&amp;Remove</source>
        <translation>移除(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Browse...</source>
        <translation>浏览(&amp;B)...</translation>
    </message>
    <message>
        <source>Prepare a Dataset</source>
        <translation>准备数据集</translation>
    </message>
    <message>
        <source>Detect from each file</source>
        <translation>逐个文件自动检测</translation>
    </message>
    <message>
        <source>Plain text (documents separated by blank lines)</source>
        <translation>纯文本（文档以空行分隔）</translation>
    </message>
    <message>
        <source>Pretraining JSONL {"text"}</source>
        <translation>预训练 JSONL {"text"}</translation>
    </message>
    <message>
        <source>Conversations (SFT) {"conversations"}</source>
        <translation>对话（SFT）{"conversations"}</translation>
    </message>
    <message>
        <source>Preference pairs {"chosen", "rejected"}</source>
        <translation>偏好对 {"chosen", "rejected"}</translation>
    </message>
    <message>
        <source>Alpaca {"instruction", "output"}</source>
        <translation>Alpaca {"instruction", "output"}</translation>
    </message>
    <message>
        <source>ShareGPT {"from", "value"}</source>
        <translation>ShareGPT {"from", "value"}</translation>
    </message>
    <message>
        <source>%1 (%2 pieces)</source>
        <translation>%1（词表 %2）</translation>
    </message>
    <message>
        <source>my-dataset</source>
        <translation>my-dataset</translation>
    </message>
    <message>
        <source>None</source>
        <translation>不去重</translation>
    </message>
    <message>
        <source>Exact duplicates</source>
        <translation>完全重复</translation>
    </message>
    <message>
        <source>Near duplicates (MinHash)</source>
        <translation>近似重复（MinHash）</translation>
    </message>
    <message>
        <source>Share of the records held out for validation</source>
        <translation>留作验证集的记录比例</translation>
    </message>
    <message>
        <source>No limit</source>
        <translation>不限制</translation>
    </message>
    <message>
        <source> tokens</source>
        <translation> 个词元</translation>
    </message>
    <message>
        <source>Conversations and preference pairs longer than this are dropped and reported</source>
        <translation>超过此长度的对话和偏好对会被丢弃并报告</translation>
    </message>
    <message>
        <source>Input files:</source>
        <translation>输入文件：</translation>
    </message>
    <message>
        <source>Layout:</source>
        <translation>格式：</translation>
    </message>
    <message>
        <source>Tokenizer:</source>
        <translation>分词器：</translation>
    </message>
    <message>
        <source>Dataset name:</source>
        <translation>数据集名称：</translation>
    </message>
    <message>
        <source>Deduplication:</source>
        <translation>去重：</translation>
    </message>
    <message>
        <source>Validation share:</source>
        <translation>验证集比例：</translation>
    </message>
    <message>
        <source>Maximum length:</source>
        <translation>最大长度：</translation>
    </message>
    <message>
        <source>&amp;Prepare</source>
        <translation>准备(&amp;P)</translation>
    </message>
    <message>
        <source>Add Input Files</source>
        <translation>添加输入文件</translation>
    </message>
    <message>
        <source>Data files (*.jsonl *.json *.txt *.md);;All files (*)</source>
        <translation>数据文件 (*.jsonl *.json *.txt *.md);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Choose a Tokenizer Folder</source>
        <translation>选择分词器文件夹</translation>
    </message>
    <message>
        <source>Add at least one input file.</source>
        <translation>请至少添加一个输入文件。</translation>
    </message>
    <message>
        <source>Input file %1 does not exist.</source>
        <translation>输入文件 %1 不存在。</translation>
    </message>
    <message>
        <source>Input %1 is a folder: add the data files inside it.</source>
        <translation>输入 %1 是文件夹：请添加其中的数据文件。</translation>
    </message>
    <message>
        <source>Input file %1 cannot be read.</source>
        <translation>无法读取输入文件 %1。</translation>
    </message>
    <message>
        <source>Choose a tokenizer (train one on the Tokenizer page, or browse for a folder).</source>
        <translation>请选择分词器（在“分词器”页训练一个，或浏览选择文件夹）。</translation>
    </message>
    <message>
        <source>Tokenizer folder %1 has no tokenizer.model.</source>
        <translation>分词器文件夹 %1 中没有 tokenizer.model。</translation>
    </message>
    <message>
        <source>Name the dataset.</source>
        <translation>请为数据集命名。</translation>
    </message>
    <message>
        <source>The dataset name "%1" cannot be a folder name: no '/', '\' or control characters, not starting with '.', at most 100 characters.</source>
        <translation>数据集名称“%1”不能用作文件夹名：不能含 '/'、'\' 或控制字符，不能以 '.' 开头，最多 100 个字符。</translation>
    </message>
    <message>
        <source>A dataset named %1 exists: preparing replaces it.</source>
        <translation>已存在名为 %1 的数据集：准备会替换它。</translation>
    </message>
    <message>
        <source>Written to %1</source>
        <translation>写入到 %1</translation>
    </message>
    <message>
        <source>Preparing %1</source>
        <translation>正在准备 %1</translation>
    </message>
    <message>
        <source>Starting...</source>
        <translation>正在启动...</translation>
    </message>
    <message>
        <source>Prepared %1.</source>
        <translation>已准备 %1。</translation>
    </message>
    <message>
        <source>Cancelled: nothing was written.</source>
        <translation>已取消：未写入任何内容。</translation>
    </message>
    <message>
        <source>Preparing failed: %1</source>
        <translation>准备失败：%1</translation>
    </message>
    <message>
        <source>Cancelling...</source>
        <translation>正在取消...</translation>
    </message>
</context>
<context>
    <name>danka::ui::RecordHtml</name>
    <message>
        <source>(cut here: %1 characters in all)</source>
        <translation>（在此截断：共 %1 个字符）</translation>
    </message>
    <message>
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <source>Reasoning</source>
        <translation>推理</translation>
    </message>
    <message>
        <source>Chosen</source>
        <translation>优选回答</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>已拒绝</translation>
    </message>
</context>
<context>
    <name>danka::ui::RecordsModel</name>
    <message>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>conversation (%1 turns)</source>
        <translation>对话（%1 轮）</translation>
    </message>
    <message>
        <source>preference</source>
        <translation>偏好对</translation>
    </message>
    <message>
        <source>rejected</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <source>Line %1: %2</source>
        <translation>第 %1 行：%2</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Line</source>
        <translation>行号</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Characters</source>
        <translation>字符</translation>
    </message>
    <message>
        <source>Content</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>No such record.</source>
        <translation>没有这条记录。</translation>
    </message>
</context>
<context>
    <name>danka::ui::ReplyStream</name>
    <message>
        <source>Chat reply</source>
        <translation>对话回复</translation>
    </message>
</context>
<context>
    <name>danka::ui::RunCharts</name>
    <message>
        <source>step</source>
        <translation>步</translation>
    </message>
    <message>
        <source>Loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>validation</source>
        <translation>验证集</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Gradient norm</source>
        <translation>梯度范数</translation>
    </message>
    <message>
        <source>norm</source>
        <translation>范数</translation>
    </message>
    <message>
        <source>gradient norm</source>
        <translation>梯度范数</translation>
    </message>
    <message>
        <source>Throughput</source>
        <translation>吞吐量</translation>
    </message>
    <message>
        <source>tokens/s</source>
        <translation>词元/秒</translation>
    </message>
    <message>
        <source>Model FLOPs utilisation</source>
        <translation>模型算力利用率</translation>
    </message>
    <message>
        <source>MFU (%)</source>
        <translation>MFU（%）</translation>
    </message>
    <message>
        <source>MFU</source>
        <translation>MFU</translation>
    </message>
    <message>
        <source>Memory</source>
        <translation>内存</translation>
    </message>
    <message>
        <source>MiB</source>
        <translation>MiB</translation>
    </message>
    <message>
        <source>process (RSS)</source>
        <translation>进程（RSS）</translation>
    </message>
    <message>
        <source>CUDA allocated</source>
        <translation>CUDA 已分配</translation>
    </message>
    <message>
        <source>CUDA reserved</source>
        <translation>CUDA 已保留</translation>
    </message>
    <message>
        <source>CUDA peak</source>
        <translation>CUDA 峰值</translation>
    </message>
</context>
<context>
    <name>danka::ui::RunCurve</name>
    <message>
        <source>%1 has no %2 values</source>
        <translation>%1 没有 %2 数据</translation>
    </message>
    <message>
        <source>%1 has no %2 values for the x axis</source>
        <translation>%1 没有可作横轴的 %2 数据</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
</context>
<context>
    <name>danka::ui::RunDetailsPane</name>
    <message>
        <source>&amp;Chat with This</source>
        <translation>用它对话(&amp;C)</translation>
    </message>
    <message>
        <source>Resume &amp;from This</source>
        <translation>从此处继续(&amp;F)</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>Validation loss</source>
        <translation>验证损失</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>词元数</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>目录</translation>
    </message>
    <message>
        <source>Open this checkpoint on the Chat page</source>
        <translation>在“对话”页打开此检查点</translation>
    </message>
    <message>
        <source>Continue the run's training from this checkpoint</source>
        <translation>从此检查点继续该运行的训练</translation>
    </message>
    <message>
        <source>Overview</source>
        <translation>概览</translation>
    </message>
    <message>
        <source>Events</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>样例</translation>
    </message>
    <message>
        <source>Checkpoints</source>
        <translation>检查点</translation>
    </message>
    <message>
        <source>Select a run to see its details.</source>
        <translation>选择一个运行以查看详情。</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>开始时间</translation>
    </message>
    <message>
        <source>Finished</source>
        <translation>结束时间</translation>
    </message>
    <message>
        <source>Parent run</source>
        <translation>父运行</translation>
    </message>
    <message>
        <source>Error:</source>
        <translation>错误：</translation>
    </message>
    <message>
        <source>Latest metrics</source>
        <translation>最新指标</translation>
    </message>
    <message>
        <source>step %1</source>
        <translation>第 %1 步</translation>
    </message>
    <message>
        <source>Config</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>No events yet.</source>
        <translation>暂无事件。</translation>
    </message>
    <message>
        <source>No samples yet. Runs generate samples every runtime.sample_every steps.</source>
        <translation>暂无样例。运行每隔 runtime.sample_every 步生成一次样例。</translation>
    </message>
</context>
<context>
    <name>danka::ui::RunsModel</name>
    <message>
        <source>created</source>
        <translation>已创建</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>创建时间</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>用时</translation>
    </message>
    <message>
        <source>Parent</source>
        <translation>父运行</translation>
    </message>
</context>
<context>
    <name>danka::ui::RunsPage</name>
    <message>
        <source>Filter runs by name, stage or status</source>
        <translation>按名称、阶段或状态筛选运行</translation>
    </message>
    <message>
        <source>No workspace is open.
Use File &gt; Open Workspace to choose one.</source>
        <translation>尚未打开工作区。
请通过“文件 &gt; 打开工作区”选择一个。</translation>
    </message>
    <message>
        <source>Delete Run</source>
        <translation>删除运行</translation>
    </message>
    <message>
        <source>Delete run %1 "%2" with its metrics, events and checkpoint folder?
%3

This cannot be undone.</source>
        <translation>删除运行 %1“%2”及其指标、事件和检查点目录？
%3

此操作无法撤销。</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>暂停(&amp;P)</translation>
    </message>
    <message>
        <source>Res&amp;ume</source>
        <translation>继续(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Stop</source>
        <translation>停止(&amp;S)</translation>
    </message>
    <message>
        <source>&amp;New Run</source>
        <translation>新建运行(&amp;N)</translation>
    </message>
    <message>
        <source>From a Config &amp;File...</source>
        <translation>从配置文件(&amp;F)...</translation>
    </message>
    <message>
        <source>Resume the &amp;Selected Run</source>
        <translation>继续所选运行(&amp;S)</translation>
    </message>
    <message>
        <source>Start a run from a config file, or from the Configure page</source>
        <translation>从配置文件或“配置”页开始一个运行</translation>
    </message>
    <message>
        <source>Stop after the current step; a checkpoint is written so the run can be resumed</source>
        <translation>在当前步之后停止；会写入检查点，之后可以继续</translation>
    </message>
    <message>
        <source>Charts</source>
        <translation>图表</translation>
    </message>
    <message>
        <source>No runs in %1 yet.
Start one from the Configure page, with New Run, or with Help &gt; Run the Demo.</source>
        <translation>%1 中还没有运行。
可以在“配置”页、用“新建运行”或“帮助 &gt; 运行演示”启动一个。</translation>
    </message>
    <message>
        <source>No workspace is open.</source>
        <translation>尚未打开工作区。</translation>
    </message>
    <message>
        <source>A training is already running in this window (%1): one card trains one run at a time.</source>
        <translation>此窗口已有训练在运行（%1）：一张卡一次只训练一个运行。</translation>
    </message>
    <message>
        <source>Start Run</source>
        <translation>开始运行</translation>
    </message>
    <message>
        <source>Training %1</source>
        <translation>训练 %1</translation>
    </message>
    <message>
        <source>Start a Run from a Config File</source>
        <translation>从配置文件开始运行</translation>
    </message>
    <message>
        <source>Run configs (*.json);;All files (*)</source>
        <translation>运行配置 (*.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>%1 is not a valid run config:
%2</source>
        <translation>%1 不是有效的运行配置：
%2</translation>
    </message>
    <message>
        <source>pausing after this step...</source>
        <translation>将在本步之后暂停...</translation>
    </message>
    <message>
        <source>stopping: writing a checkpoint...</source>
        <translation>正在停止：写入检查点...</translation>
    </message>
    <message>
        <source>paused at %1</source>
        <translation>暂停于 %1</translation>
    </message>
    <message>
        <source>Training Failed</source>
        <translation>训练失败</translation>
    </message>
    <message>
        <source>Stop the training of run %1 before deleting it.</source>
        <translation>删除运行 %1 之前请先停止它的训练。</translation>
    </message>
    <message>
        <source>The run cannot start:
%1</source>
        <translation>运行无法开始：
%1</translation>
    </message>
</context>
<context>
    <name>danka::ui::SamplingForm</name>
    <message>
        <source>&amp;Greedy (always the most likely token)</source>
        <translation>贪心解码（总是选概率最高的词元）(&amp;G)</translation>
    </message>
    <message>
        <source>Below 1 the likely tokens win more often; above 1 the choice gets more random.</source>
        <translation>小于 1 时更常选高概率词元；大于 1 时选择更随机。</translation>
    </message>
    <message>
        <source>off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Sample only among the k most likely tokens (0: all).</source>
        <translation>只在概率最高的 k 个词元中采样（0：全部）。</translation>
    </message>
    <message>
        <source>Sample among the most likely tokens whose probabilities add up to p (1: all).</source>
        <translation>在累计概率达到 p 的最可能词元中采样（1：全部）。</translation>
    </message>
    <message>
        <source>Above 1, tokens already in the conversation become less likely.</source>
        <translation>大于 1 时，对话中已出现的词元被选中的概率降低。</translation>
    </message>
    <message>
        <source>The reply ends after this many tokens (and at the model's context length).</source>
        <translation>回复在达到此词元数（或模型的上下文长度）时结束。</translation>
    </message>
    <message>
        <source>random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>The same seed, prompt and settings give the same reply; "random" draws a new one.</source>
        <translation>相同的种子、提示词和设置得到相同的回复；“随机”每次抽取新种子。</translation>
    </message>
    <message>
        <source>&amp;Temperature:</source>
        <translation>温度(&amp;T)：</translation>
    </message>
    <message>
        <source>Top-&amp;k:</source>
        <translation>Top-&amp;k：</translation>
    </message>
    <message>
        <source>Top-&amp;p:</source>
        <translation>Top-&amp;p：</translation>
    </message>
    <message>
        <source>&amp;Repetition penalty:</source>
        <translation>重复惩罚(&amp;R)：</translation>
    </message>
    <message>
        <source>&amp;Max new tokens:</source>
        <translation>最大新词元数(&amp;M)：</translation>
    </message>
    <message>
        <source>S&amp;eed:</source>
        <translation>随机种子(&amp;E)：</translation>
    </message>
</context>
<context>
    <name>danka::ui::SegmentsModel</name>
    <message>
        <source>document</source>
        <translation>文档</translation>
    </message>
    <message>
        <source>conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>prompt</source>
        <translation>提示</translation>
    </message>
    <message>
        <source>chosen</source>
        <translation>优选</translation>
    </message>
    <message>
        <source>rejected</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <source>validation</source>
        <translation>验证集</translation>
    </message>
    <message>
        <source>train</source>
        <translation>训练集</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Split</source>
        <translation>划分</translation>
    </message>
    <message>
        <source>Part</source>
        <translation>部分</translation>
    </message>
    <message>
        <source>Tokens</source>
        <translation>词元数</translation>
    </message>
    <message>
        <source>Decoded text</source>
        <translation>解码文本</translation>
    </message>
</context>
<context>
    <name>danka::ui::SettingsDialog</name>
    <message>
        <source>Preferences</source>
        <translation>首选项</translation>
    </message>
    <message>
        <source>System default</source>
        <translation>系统默认</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>All cores (%1)</source>
        <translation>全部核心（%1）</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>语言(&amp;L)：</translation>
    </message>
    <message>
        <source>&amp;Theme:</source>
        <translation>主题(&amp;T)：</translation>
    </message>
    <message>
        <source>Compute &amp;threads:</source>
        <translation>计算线程(&amp;T)：</translation>
    </message>
    <message>
        <source>The language and the thread count apply the next time Danka starts.</source>
        <translation>语言和线程数在下次启动单卡时生效。</translation>
    </message>
    <message>
        <source>The new language applies when Danka restarts. Restart now?</source>
        <translation>新语言在单卡重启后生效。现在重启吗？</translation>
    </message>
    <message>
        <source>The open workspace and page, the config on the Configure page (saved or not), the Chat checkpoint and the Compare selection come back after the restart.</source>
        <translation>重启后会恢复当前打开的工作区和页面、“配置”页面上的配置（无论是否已保存）、“对话”的检查点以及“对比”的选择。</translation>
    </message>
    <message>
        <source>Restart Now</source>
        <translation>立即重启</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
</context>
<context>
    <name>danka::ui::StatisticsPane</name>
    <message>
        <source>Measure record lengths in tokens of this tokenizer, or in characters</source>
        <translation>用此分词器的词元数或字符数衡量记录长度</translation>
    </message>
    <message>
        <source>Lengths in:</source>
        <translation>长度单位：</translation>
    </message>
    <message>
        <source>Tokens of %1</source>
        <translation>%1 的词元</translation>
    </message>
    <message>
        <source>Characters</source>
        <translation>字符</translation>
    </message>
    <message>
        <source>Tokens of %1 (%2 pieces)</source>
        <translation>%1 的词元（词表 %2）</translation>
    </message>
</context>
<context>
    <name>danka::ui::TokenPiecesModel</name>
    <message>
        <source>piece</source>
        <translation>词元片段</translation>
    </message>
    <message>
        <source>byte fallback (the character has no piece of its own)</source>
        <translation>字节回退（该字符没有自己的片段）</translation>
    </message>
    <message>
        <source>marker (always one token)</source>
        <translation>标记（始终是一个词元）</translation>
    </message>
    <message>
        <source>control token</source>
        <translation>控制词元</translation>
    </message>
    <message>
        <source>%1
id %2
%3</source>
        <translation>%1
ID %2
%3</translation>
    </message>
</context>
<context>
    <name>danka::ui::TokenizerDetails</name>
    <message>
        <source>Folder</source>
        <translation>目录</translation>
    </message>
    <message>
        <source>Vocabulary</source>
        <translation>词表</translation>
    </message>
    <message>
        <source>%1 pieces, %2 of them UTF-8 bytes</source>
        <translation>%1 个片段，其中 %2 个为 UTF-8 字节</translation>
    </message>
    <message>
        <source>Special ids</source>
        <translation>特殊 ID</translation>
    </message>
    <message>
        <source>Markers</source>
        <translation>标记</translation>
    </message>
    <message>
        <source>Chars per token</source>
        <translation>每词元字符数</translation>
    </message>
    <message>
        <source>zh %1 (%2 held-out lines), en %3 (%4 held-out lines)</source>
        <translation>中文 %1（%2 行留出数据），英文 %3（%4 行留出数据）</translation>
    </message>
    <message>
        <source>Byte fallback</source>
        <translation>字节回退</translation>
    </message>
    <message>
        <source>%1% of held-out tokens</source>
        <translation>占留出数据词元的 %1%</translation>
    </message>
    <message>
        <source>Normalization</source>
        <translation>规范化</translation>
    </message>
    <message>
        <source>Checksum</source>
        <translation>校验和</translation>
    </message>
    <message>
        <source>Trained on</source>
        <translation>训练数据</translation>
    </message>
</context>
<context>
    <name>danka::ui::TokenizerPage</name>
    <message>
        <source>&amp;Open Folder...</source>
        <translation>打开文件夹(&amp;O)...</translation>
    </message>
    <message>
        <source>Load any tokenizer folder (one holding tokenizer.model) to try it</source>
        <translation>加载任意分词器文件夹（含 tokenizer.model）进行试用</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>刷新(&amp;R)</translation>
    </message>
    <message>
        <source>Tr&amp;y</source>
        <translation>试用(&amp;Y)</translation>
    </message>
    <message>
        <source>Train Ne&amp;w</source>
        <translation>训练新分词器(&amp;W)</translation>
    </message>
    <message>
        <source>Cannot open the workspace's store: %1</source>
        <translation>无法打开工作区的数据库：%1</translation>
    </message>
    <message>
        <source>No workspace is open.
Use Open Folder... to try a tokenizer folder.</source>
        <translation>未打开工作区。
可用“打开文件夹...”试用分词器文件夹。</translation>
    </message>
    <message>
        <source>No tokenizers in this workspace yet.
Train one in the Train New tab, or use Open Folder... to try an existing tokenizer folder.</source>
        <translation>此工作区还没有分词器。
可在“训练新分词器”页训练一个，或用“打开文件夹...”试用已有的分词器文件夹。</translation>
    </message>
    <message>
        <source>Open Tokenizer Folder</source>
        <translation>打开分词器文件夹</translation>
    </message>
    <message>
        <source>%1 is not a tokenizer folder: it holds no tokenizer.model.</source>
        <translation>%1 不是分词器文件夹：其中没有 tokenizer.model。</translation>
    </message>
    <message>
        <source>Loading %1...</source>
        <translation>正在加载 %1...</translation>
    </message>
    <message>
        <source>Cannot load the tokenizer: %1</source>
        <translation>无法加载分词器：%1</translation>
    </message>
    <message>
        <source>Tokenizer %1 (%2 pieces)</source>
        <translation>分词器 %1（%2 个片段）</translation>
    </message>
    <message>
        <source>Select a tokenizer in the list to try it.</source>
        <translation>在列表中选择一个分词器即可试用。</translation>
    </message>
    <message>
        <source>Select a tokenizer to see its details.</source>
        <translation>选择一个分词器以查看详情。</translation>
    </message>
</context>
<context>
    <name>danka::ui::TokenizerTesterPane</name>
    <message>
        <source>Show &amp;ids</source>
        <translation>显示 ID(&amp;I)</translation>
    </message>
    <message>
        <source>Type or paste text to see its tokens</source>
        <translation>输入或粘贴文本，查看其词元</translation>
    </message>
    <message>
        <source>Cannot encode: %1</source>
        <translation>无法编码：%1</translation>
    </message>
    <message>
        <source>%1 tokens, %2 characters, %3 characters per token</source>
        <translation>%1 个词元，%2 个字符，每词元 %3 个字符</translation>
    </message>
    <message>
        <source>(showing the first %1)</source>
        <translation>（仅显示前 %1 个）</translation>
    </message>
</context>
<context>
    <name>danka::ui::TokenizerTrainForm</name>
    <message>
        <source>&amp;Add Files...</source>
        <translation>添加文件(&amp;A)...</translation>
    </message>
    <message>
        <source>Re&amp;move</source>
        <translation>移除(&amp;M)</translation>
    </message>
    <message>
        <source>Data files in any layout the data readers accept (plain text, JSONL...)</source>
        <translation>数据读取器支持的任意格式的数据文件（纯文本、JSONL...）</translation>
    </message>
    <message>
        <source>Detect from the file</source>
        <translation>根据文件自动检测</translation>
    </message>
    <message>
        <source>Plain text</source>
        <translation>纯文本</translation>
    </message>
    <message>
        <source>Pretraining JSONL ({"text": ...})</source>
        <translation>预训练 JSONL（{"text": ...}）</translation>
    </message>
    <message>
        <source>Conversations (SFT JSONL)</source>
        <translation>对话（SFT JSONL）</translation>
    </message>
    <message>
        <source>Preference pairs (chosen / rejected)</source>
        <translation>偏好对（chosen / rejected）</translation>
    </message>
    <message>
        <source>Alpaca</source>
        <translation>Alpaca</translation>
    </message>
    <message>
        <source>ShareGPT</source>
        <translation>ShareGPT</translation>
    </message>
    <message>
        <source>Pieces in the vocabulary: 6400 suits small models, up to 65536</source>
        <translation>词表中的片段数：小模型适合 6400，最多 65536</translation>
    </message>
    <message>
        <source>Share of character occurrences that get a piece of their own; rarer characters fall back to UTF-8 bytes</source>
        <translation>拥有独立片段的字符出现次数占比；更罕见的字符回退为 UTF-8 字节</translation>
    </message>
    <message>
        <source>Lines sampled from the input for training (bounds memory)</source>
        <translation>从输入中抽样用于训练的行数（限制内存）</translation>
    </message>
    <message>
        <source>optional, e.g. code, medicine</source>
        <translation>可选，例如 code, medicine</translation>
    </message>
    <message>
        <source>Comma-separated domains: each gets a [DOMAIN:x] marker token</source>
        <translation>逗号分隔的领域：每个领域获得一个 [DOMAIN:x] 标记词元</translation>
    </message>
    <message>
        <source>The tokenizer's folder under the workspace's tokenizers folder</source>
        <translation>分词器在工作区 tokenizers 文件夹下的文件夹名</translation>
    </message>
    <message>
        <source>Input files:</source>
        <translation>输入文件：</translation>
    </message>
    <message>
        <source>&amp;Layout:</source>
        <translation>格式(&amp;L)：</translation>
    </message>
    <message>
        <source>&amp;Vocabulary size:</source>
        <translation>词表大小(&amp;V)：</translation>
    </message>
    <message>
        <source>Character &amp;coverage:</source>
        <translation>字符覆盖率(&amp;C)：</translation>
    </message>
    <message>
        <source>Max &amp;sentences:</source>
        <translation>最大句子数(&amp;S)：</translation>
    </message>
    <message>
        <source>&amp;Domains:</source>
        <translation>领域(&amp;D)：</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>名称(&amp;N)：</translation>
    </message>
    <message>
        <source>Add Training Files</source>
        <translation>添加训练文件</translation>
    </message>
    <message>
        <source>Text and JSONL files (*.txt *.jsonl *.json);;All files (*)</source>
        <translation>文本和 JSONL 文件 (*.txt *.jsonl *.json);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Open a workspace first: trained tokenizers are written into it.</source>
        <translation>请先打开工作区：训练出的分词器会写入其中。</translation>
    </message>
    <message>
        <source>Add at least one input file.</source>
        <translation>请至少添加一个输入文件。</translation>
    </message>
    <message>
        <source>Input file %1 does not exist.</source>
        <translation>输入文件 %1 不存在。</translation>
    </message>
    <message>
        <source>Input %1 is a folder; add the files inside it.</source>
        <translation>输入 %1 是文件夹；请添加其中的文件。</translation>
    </message>
    <message>
        <source>Input file %1 cannot be read.</source>
        <translation>无法读取输入文件 %1。</translation>
    </message>
    <message>
        <source>Vocabulary size %1 is too small: at least %2 (byte fallback alone needs 256 pieces).</source>
        <translation>词表大小 %1 太小：至少为 %2（仅字节回退就需要 256 个片段）。</translation>
    </message>
    <message>
        <source>Vocabulary size %1 is too large: at most %2.</source>
        <translation>词表大小 %1 太大：最多为 %2。</translation>
    </message>
    <message>
        <source>Domain "%1" may hold only letters, digits, '_', '-' and '.'.</source>
        <translation>领域“%1”只能包含字母、数字、“_”、“-”和“.”。</translation>
    </message>
    <message>
        <source>Domain "%1" is listed twice.</source>
        <translation>领域“%1”重复列出。</translation>
    </message>
    <message>
        <source>Enter a name: the tokenizer is written to the workspace's tokenizers folder under it.</source>
        <translation>请输入名称：分词器将以此名称写入工作区的 tokenizers 文件夹。</translation>
    </message>
    <message>
        <source>Name "%1" may hold only letters, digits, '_', '-' and '.' (not first).</source>
        <translation>名称“%1”只能包含字母、数字、“_”、“-”和“.”（“.”不能在开头）。</translation>
    </message>
    <message>
        <source>A tokenizer named %1 exists: training replaces it when it finishes.</source>
        <translation>已存在名为 %1 的分词器：训练完成后将替换它。</translation>
    </message>
    <message>
        <source>Writes %1</source>
        <translation>写入 %1</translation>
    </message>
</context>
<context>
    <name>danka::ui::TokenizerTrainPane</name>
    <message>
        <source>&amp;Train</source>
        <translation>训练(&amp;T)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Open a workspace (File &gt; Open Workspace...) to train tokenizers: they are written into it and registered there. Tokenizer folders can still be tried with Open Folder...</source>
        <translation>打开一个工作区（文件 &gt; 打开工作区...）才能训练分词器：分词器会写入该工作区并在其中登记。仍可通过“打开文件夹...”试用分词器文件夹。</translation>
    </message>
    <message>
        <source>Cannot train: %1</source>
        <translation>无法训练：%1</translation>
    </message>
    <message>
        <source>Tokenizer training</source>
        <translation>分词器训练</translation>
    </message>
    <message>
        <source>Starting...</source>
        <translation>正在启动...</translation>
    </message>
    <message>
        <source>Cancelling...</source>
        <translation>正在取消...</translation>
    </message>
    <message>
        <source>Training cancelled.</source>
        <translation>训练已取消。</translation>
    </message>
    <message>
        <source>Training cancelled: nothing was written.</source>
        <translation>训练已取消：未写入任何文件。</translation>
    </message>
    <message>
        <source>Training failed.</source>
        <translation>训练失败。</translation>
    </message>
    <message>
        <source>Training failed:</source>
        <translation>训练失败：</translation>
    </message>
    <message>
        <source>Trained %1 in %2.</source>
        <translation>已训练 %1，用时 %2。</translation>
    </message>
    <message>
        <source>Trained %1</source>
        <translation>已训练 %1</translation>
    </message>
    <message>
        <source>Vocabulary</source>
        <translation>词表</translation>
    </message>
    <message>
        <source>%1 pieces</source>
        <translation>%1 个片段</translation>
    </message>
    <message>
        <source>Records read</source>
        <translation>读取的记录</translation>
    </message>
    <message>
        <source>Training lines</source>
        <translation>训练行数</translation>
    </message>
    <message>
        <source>Character coverage</source>
        <translation>字符覆盖率</translation>
    </message>
    <message>
        <source>%1% of character occurrences (%2 characters are single pieces)</source>
        <translation>字符出现次数的 %1%（%2 个字符为独立片段）</translation>
    </message>
    <message>
        <source>Chars per token zh</source>
        <translation>每词元字符数（中文）</translation>
    </message>
    <message>
        <source>%1 (%2 held-out lines)</source>
        <translation>%1（%2 行留出数据）</translation>
    </message>
    <message>
        <source>Chars per token en</source>
        <translation>每词元字符数（英文）</translation>
    </message>
    <message>
        <source>Byte fallback</source>
        <translation>字节回退</translation>
    </message>
    <message>
        <source>%1% of held-out tokens</source>
        <translation>占留出数据词元的 %1%</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>用时</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>目录</translation>
    </message>
    <message>
        <source>Checksum</source>
        <translation>校验和</translation>
    </message>
    <message>
        <source>The cancel came after the last step: the tokenizer was written and registered.</source>
        <translation>取消请求到达时训练已完成最后一步：分词器已写入并登记。</translation>
    </message>
    <message>
        <source>Cleaning kept %1 of %2 records.</source>
        <translation>清洗后保留 %2 条记录中的 %1 条。</translation>
    </message>
    <message>
        <source>%1 records could not be read:</source>
        <translation>%1 条记录无法读取：</translation>
    </message>
    <message>
        <source>Every input record could be read.</source>
        <translation>所有输入记录均可读取。</translation>
    </message>
</context>
<context>
    <name>danka::ui::TokenizersModel</name>
    <message>
        <source>Characters per token on held-out lines of the training data: higher means shorter sequences</source>
        <translation>训练数据留出行上的每词元字符数：越高表示序列越短</translation>
    </message>
    <message>
        <source>Share of held-out tokens that are UTF-8 byte pieces (characters without a piece of their own)</source>
        <translation>留出数据中 UTF-8 字节片段所占的词元比例（没有独立片段的字符）</translation>
    </message>
    <message>
        <source>Opened from a folder; not registered in the workspace
%1</source>
        <translation>从文件夹打开；未在工作区登记
%1</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Vocabulary</source>
        <translation>词表</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>目录</translation>
    </message>
    <message>
        <source>Chars/token
zh</source>
        <translation>字符/词元
中文</translation>
    </message>
    <message>
        <source>Chars/token
en</source>
        <translation>字符/词元
英文</translation>
    </message>
    <message>
        <source>Byte
fallback</source>
        <translation>字节
回退</translation>
    </message>
</context>
<context>
    <name>danka::ui::WorkspaceDatasetsPane</name>
    <message>
        <source>Click a dataset to open it</source>
        <translation>单击数据集即可打开</translation>
    </message>
    <message>
        <source>Workspace datasets</source>
        <translation>工作区数据集</translation>
    </message>
    <message>
        <source>%1 records</source>
        <translation>%1 条记录</translation>
    </message>
    <message>
        <source>%1 tokens</source>
        <translation>%1 个词元</translation>
    </message>
    <message>
        <source>Open a workspace to list its datasets and prepare new ones.</source>
        <translation>打开工作区后可列出其数据集并准备新数据集。</translation>
    </message>
    <message>
        <source>No datasets yet: use Prepare... to make one from raw files.</source>
        <translation>还没有数据集：使用“准备数据集...”从原始文件生成。</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>--threads: "%1" is not a thread count; using all cores.</source>
        <translation>--threads：“%1”不是线程数；将使用全部核心。</translation>
    </message>
    <message>
        <source>%1; using all cores.</source>
        <translation>%1；将使用全部核心。</translation>
    </message>
    <message>
        <source>Threads</source>
        <translation>线程</translation>
    </message>
</context>
</TS>
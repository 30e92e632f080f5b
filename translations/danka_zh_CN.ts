<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
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
        <source>&lt;h3&gt;Danka %1&lt;/h3&gt;&lt;p&gt;Train and align a language model on one card.&lt;/p&gt;&lt;table cellspacing=3&gt;&lt;tr&gt;&lt;td&gt;Qt&lt;/td&gt;&lt;td&gt;%2&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;LibTorch&lt;/td&gt;&lt;td&gt;%3&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;CUDA&lt;/td&gt;&lt;td&gt;%4&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;Danka CUDA kernels&lt;/td&gt;&lt;td&gt;%5&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;SQLite&lt;/td&gt;&lt;td&gt;%6&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;Threads&lt;/td&gt;&lt;td&gt;%7 of %8&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;</source>
        <translation>&lt;h3&gt;单卡 Danka %1&lt;/h3&gt;&lt;p&gt;一张显卡，训练并对齐一个语言模型。&lt;/p&gt;&lt;table cellspacing=3&gt;&lt;tr&gt;&lt;td&gt;Qt&lt;/td&gt;&lt;td&gt;%2&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;LibTorch&lt;/td&gt;&lt;td&gt;%3&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;CUDA&lt;/td&gt;&lt;td&gt;%4&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;单卡 CUDA 算子&lt;/td&gt;&lt;td&gt;%5&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;SQLite&lt;/td&gt;&lt;td&gt;%6&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;线程&lt;/td&gt;&lt;td&gt;%7 / %8&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;</translation>
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
        <source>No runs in %1 yet.
Runs started in this workspace appear here as they run.</source>
        <translation>%1 中还没有运行。
在此工作区启动的运行会在运行时显示在这里。</translation>
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
        <source>Folder</source>
        <translation>目录</translation>
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
        <source>Checkpoints</source>
        <translation>检查点</translation>
    </message>
    <message>
        <source>Recent events</source>
        <translation>最近事件</translation>
    </message>
    <message>
        <source>Config</source>
        <translation>配置</translation>
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
</context>
</TS>
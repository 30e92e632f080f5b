#!/usr/bin/env python3
"""Fills translations/danka_zh_CN.ts from the table below (source text -> Simplified Chinese).

Workflow: `cmake --build build --target update_translations` (lupdate adds new source strings), add their
translations here, run `python3 translations/fill_zh_CN.py`, then check that lrelease reports nothing
unfinished. Entries already translated in the .ts are kept unless the table has a different text.

The table is split: the entries below, plus one JSON object per page in translations/zh_CN/*.json (source
text -> translation; a numerus entry maps to a list of forms), so that pages are translated independently.
"""
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ZH = {
    "Danka": "单卡",
    "Runs": "运行",
    "&File": "文件(&F)",
    "&Open Workspace...": "打开工作区(&O)...",
    "Open &Recent": "最近打开(&R)",
    "&Quit": "退出(&Q)",
    "&Runs": "运行(&R)",
    "&Refresh": "刷新(&R)",
    "&Delete Run...": "删除运行(&D)...",
    "&Help": "帮助(&H)",
    "&About Danka": "关于单卡(&A)",
    "About &Qt": "关于 &Qt",
    "Open Workspace": "打开工作区",
    "Cannot open the workspace:\n%1": "无法打开工作区：\n%1",
    "Danka - %1": "单卡 - %1",
    "&Clear Menu": "清空列表(&C)",
    "No workspace": "未打开工作区",
    "Workspace %1 | runs: %2": "工作区 %1 | 运行：%2",
    "available": "可用",
    "not available (%1)": "不可用（%1）",
    "<h3>Danka %1</h3><p>Train and align a language model on one card.</p><table cellspacing=3>"
    "<tr><td>Qt</td><td>%2</td></tr><tr><td>LibTorch</td><td>%3</td></tr><tr><td>CUDA</td><td>%4</td></tr>"
    "<tr><td>Danka CUDA kernels</td><td>%5</td></tr><tr><td>SQLite</td><td>%6</td></tr>"
    "<tr><td>Threads</td><td>%7 of %8</td></tr></table>":
    "<h3>单卡 Danka %1</h3><p>一张显卡，训练并对齐一个语言模型。</p><table cellspacing=3>"
    "<tr><td>Qt</td><td>%2</td></tr><tr><td>LibTorch</td><td>%3</td></tr><tr><td>CUDA</td><td>%4</td></tr>"
    "<tr><td>单卡 CUDA 算子</td><td>%5</td></tr><tr><td>SQLite</td><td>%6</td></tr>"
    "<tr><td>线程</td><td>%7 / %8</td></tr></table>",
    "not built": "未编译",
    "About Danka": "关于单卡",
    "created": "已创建",
    "running": "运行中",
    "paused": "已暂停",
    "completed": "已完成",
    "failed": "失败",
    "cancelled": "已取消",
    "ID": "ID",
    "Name": "名称",
    "Stage": "阶段",
    "Status": "状态",
    "Created": "创建时间",
    "Duration": "用时",
    "Parent": "父运行",
    "Filter runs by name, stage or status": "按名称、阶段或状态筛选运行",
    "No workspace is open.\nUse File > Open Workspace to choose one.": "尚未打开工作区。\n请通过“文件 > 打开工作区”选择一个。",
    "No runs in %1 yet.\nRuns started in this workspace appear here as they run.":
    "%1 中还没有运行。\n在此工作区启动的运行会在运行时显示在这里。",
    "Select a run to see its details.": "选择一个运行以查看详情。",
    "Run": "运行",
    "Started": "开始时间",
    "Finished": "结束时间",
    "Parent run": "父运行",
    "Folder": "目录",
    "Error:": "错误：",
    "Latest metrics": "最新指标",
    "step %1": "第 %1 步",
    "Checkpoints": "检查点",
    "Recent events": "最近事件",
    "Config": "配置",
    "Delete Run": "删除运行",
    "Delete run %1 \"%2\" with its metrics, events and checkpoint folder?\n%3\n\nThis cannot be undone.":
    "删除运行 %1“%2”及其指标、事件和检查点目录？\n%3\n\n此操作无法撤销。",
}


def load_fragments() -> None:
    for fragment in sorted(Path(__file__).with_name("zh_CN").glob("*.json")):
        for source, value in json.loads(fragment.read_text(encoding="utf-8")).items():
            if source in ZH and ZH[source] != value:
                print(f"{fragment.name}: {source!r} is translated differently elsewhere", file=sys.stderr)
            ZH[source] = value


def main() -> int:
    load_fragments()
    path = Path(__file__).with_name("danka_zh_CN.ts")
    tree = ET.parse(path)
    missing = []
    for message in tree.getroot().iter("message"):
        source = message.find("source").text or ""
        translation = message.find("translation")
        if source not in ZH:
            if translation.get("type") == "unfinished" or not (translation.text or list(translation)):
                missing.append(source)
            continue
        value = ZH[source]
        translation.attrib.pop("type", None)
        if message.get("numerus") == "yes":
            for child in list(translation):
                translation.remove(child)
            translation.text = None
            for form in value:
                ET.SubElement(translation, "numerusform").text = form
        else:
            translation.text = value
    tree.write(path, encoding="utf-8", xml_declaration=True)
    # Keep the DOCTYPE lupdate writes.
    text = path.read_text(encoding="utf-8")
    if "<!DOCTYPE TS>" not in text:
        text = text.replace("?>\n", "?>\n<!DOCTYPE TS>\n", 1)
        path.write_text(text, encoding="utf-8")
    for source in missing:
        print("untranslated:", repr(source), file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())

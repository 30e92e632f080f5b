<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>danka::ui::ChatPage</name>
    <message numerus="yes">
        <source>%n token(s) in %1 s · %2 tokens/s · %3</source>
        <translation><numerusform>%n token in %1 s · %2 tokens/s · %3</numerusform><numerusform>%n tokens in %1 s · %2 tokens/s · %3</numerusform></translation>
    </message>
</context>
<context>
    <name>danka::ui::ConversationListModel</name>
    <message numerus="yes">
        <source>%1
%2 · %n message(s)</source>
        <translation><numerusform>%1
%2 · %n message</numerusform><numerusform>%1
%2 · %n messages</numerusform></translation>
    </message>
</context>
<context>
    <name>danka::ui::MainWindow</name>
    <message numerus="yes">
        <source>%n more job(s)</source>
        <translation><numerusform>%n more job</numerusform><numerusform>%n more jobs</numerusform></translation>
    </message>
</context>
<context>
    <name>danka::ui::MessageView</name>
    <message numerus="yes">
        <source>Thinking (%n character(s))</source>
        <translation><numerusform>Thinking (%n character)</numerusform><numerusform>Thinking (%n characters)</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Thinking... (%n character(s))</source>
        <translation><numerusform>Thinking... (%n character)</numerusform><numerusform>Thinking... (%n characters)</numerusform></translation>
    </message>
</context>
</TS>
<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>BenchOrders</name>
    <message numerus="yes">
        <source>Manifest of {number}: %n device(s) in {pdf} and {csv}</source>
        <translation>
            <numerusform>Manifest of {number}: %n device in {pdf} and {csv}</numerusform>
            <numerusform>Manifest of {number}: %n devices in {pdf} and {csv}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>⚠ %n device(s) not on order {order} and will not be provisioned. An admin may let a selected one in.</source>
        <translation>
            <numerusform>⚠ %n device is not on order {order} and will not be provisioned. An admin may let a selected one in.</numerusform>
            <numerusform>⚠ %n devices are not on order {order} and will not be provisioned. An admin may let a selected one in.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>EnrollmentTab</name>
    <message numerus="yes">
        <source>Saved {file}: %n code(s) on {pages}</source>
        <translation>
            <numerusform>Saved {file}: %n code on {pages}</numerusform>
            <numerusform>Saved {file}: %n codes on {pages}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n page(s)</source>
        <translation>
            <numerusform>%n page</numerusform>
            <numerusform>%n pages</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Sent %n page(s) to {printer}</source>
        <translation>
            <numerusform>Sent %n page to {printer}</numerusform>
            <numerusform>Sent %n pages to {printer}</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HistoryTab</name>
    <message numerus="yes">
        <source>Exported %n run(s) to {file}</source>
        <translation>
            <numerusform>Exported %n run to {file}</numerusform>
            <numerusform>Exported %n runs to {file}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n device(s) to {file}</source>
        <translation>
            <numerusform>Exported %n device to {file}</numerusform>
            <numerusform>Exported %n devices to {file}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Nothing exported: %n row(s) cannot be valid</source>
        <translation>
            <numerusform>Nothing exported: %n row cannot be valid</numerusform>
            <numerusform>Nothing exported: %n rows cannot be valid</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>{file} was not written: %n device(s) cannot be valid for this portal. Fix them, or narrow the filter, then export again.</source>
        <translation>
            <numerusform>{file} was not written: %n device cannot be valid for this portal. Fix it, or narrow the filter, then export again.</numerusform>
            <numerusform>{file} was not written: %n devices cannot be valid for this portal. Fix them, or narrow the filter, then export again.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n run(s)</source>
        <translation>
            <numerusform>%n run</numerusform>
            <numerusform>%n runs</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>NeedsYouStrip</name>
    <message numerus="yes">
        <source>Needs you: %n</source>
        <translation>
            <numerusform>Needs you: %n</numerusform>
            <numerusform>Needs you: %n</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PinSettings</name>
    <message numerus="yes">
        <source>A PIN guards the template and order, Settings, Force re-run and letting in devices not on the order. It locks again after %n idle minute(s).</source>
        <translation>
            <numerusform>A PIN guards the template and order, Settings, Force re-run and letting in devices not on the order. It locks again after %n idle minute.</numerusform>
            <numerusform>A PIN guards the template and order, Settings, Force re-run and letting in devices not on the order. It locks again after %n idle minutes.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SyncLabel</name>
    <message numerus="yes">
        <source>offline since {time} · %Ln waiting to sync</source>
        <translation>
            <numerusform>offline since {time} · %Ln waiting to sync</numerusform>
            <numerusform>offline since {time} · %Ln waiting to sync</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln waiting to sync</source>
        <translation>
            <numerusform>%Ln waiting to sync</numerusform>
            <numerusform>%Ln waiting to sync</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TemplatesTab</name>
    <message numerus="yes">
        <source>&lt;b&gt;{file}&lt;/b&gt; ({origin}) is invalid: %n error(s).</source>
        <translation>
            <numerusform>&lt;b&gt;{file}&lt;/b&gt; ({origin}) is invalid: %n error.</numerusform>
            <numerusform>&lt;b&gt;{file}&lt;/b&gt; ({origin}) is invalid: %n errors.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;{name}&lt;/b&gt; version {version} ({origin}) — %n step(s)</source>
        <translation>
            <numerusform>&lt;b&gt;{name}&lt;/b&gt; version {version} ({origin}) — %n step</numerusform>
            <numerusform>&lt;b&gt;{name}&lt;/b&gt; version {version} ({origin}) — %n steps</numerusform>
        </translation>
    </message>
</context>
</TS>

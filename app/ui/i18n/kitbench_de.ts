<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>AdminGuard</name>
    <message>
        <source>Reading the admin PIN</source>
        <translation>Admin-PIN lesen</translation>
    </message>
    <message>
        <source>Admin actions ask for the PIN. Click to unlock.</source>
        <translation>Admin-Aktionen fragen nach der PIN. Zum Entsperren klicken.</translation>
    </message>
    <message>
        <source>Admin locked</source>
        <translation>Admin gesperrt</translation>
    </message>
    <message>
        <source>Admin unlocked · Lock now</source>
        <translation>Admin entsperrt · Jetzt sperren</translation>
    </message>
    <message>
        <source>Admin actions are open until the window is idle</source>
        <translation>Admin-Aktionen bleiben offen, bis das Fenster eine Weile unbenutzt ist</translation>
    </message>
    <message>
        <source>Choose the template</source>
        <translation>Vorlage wählen</translation>
    </message>
    <message>
        <source>Choose the order</source>
        <translation>Auftrag wählen</translation>
    </message>
    <message>
        <source>Too many wrong PINs: try again in {s} s</source>
        <translation>Zu viele falsche PINs: in {s} s erneut versuchen</translation>
    </message>
    <message>
        <source>Checking the admin PIN</source>
        <translation>Admin-PIN prüfen</translation>
    </message>
    <message>
        <source>Wrong PIN</source>
        <translation>Falsche PIN</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Entsperren</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>USB devices not watched: {reason}</source>
        <translation>USB-Geräte werden nicht überwacht: {reason}</translation>
    </message>
    <message>
        <source>Cannot open the station&apos;s database:
{problem}</source>
        <translation>Die Datenbank der Station lässt sich nicht öffnen:
{problem}</translation>
    </message>
    <message>
        <source>Cannot read the station&apos;s settings:
{problem}</source>
        <translation>Die Einstellungen der Station lassen sich nicht lesen:
{problem}</translation>
    </message>
    <message>
        <source>Ready in {seconds} s</source>
        <translation>Bereit in {seconds} s</translation>
    </message>
    <message>
        <source>Kitbench is already running on this station.

{problem}.

Use that window, or close it and start Kitbench again.</source>
        <translation>Kitbench läuft auf dieser Station bereits.

{problem}.

Dieses Fenster verwenden oder es schließen und Kitbench neu starten.</translation>
    </message>
</context>
<context>
    <name>BenchCounters</name>
    <message>
        <source>✓ {done} done   ✗ {failed} failed   ⊘ {refused} refused   ▶ {working} in progress</source>
        <translation>✓ {done} fertig   ✗ {failed} Fehler   ⊘ {refused} abgelehnt   ▶ {working} in Arbeit</translation>
    </message>
    <message>
        <source>{rate} / hour</source>
        <translation>{rate} / Stunde</translation>
    </message>
</context>
<context>
    <name>BenchOrders</name>
    <message>
        <source>Let selected in (admin)…</source>
        <translation>Ausgewählte zulassen (Admin)…</translation>
    </message>
    <message>
        <source>Run the selected held-back devices under this order</source>
        <translation>Die ausgewählten zurückgehaltenen Geräte unter diesem Auftrag einrichten</translation>
    </message>
    <message>
        <source>Reading the orders</source>
        <translation>Aufträge lesen</translation>
    </message>
    <message>
        <source>Let devices in</source>
        <translation>Geräte zulassen</translation>
    </message>
    <message>
        <source>{devices}: not on order {order}&apos;s expected list.

Provision under order {order} anyway? This is an admin&apos;s decision.</source>
        <translation>{devices}: nicht auf der Geräteliste von Auftrag {order}.

Trotzdem unter Auftrag {order} einrichten? Das entscheidet ein Admin.</translation>
    </message>
    <message>
        <source>Writing the manifest of order {number}</source>
        <translation>Lieferliste von Auftrag {number} schreiben</translation>
    </message>
    <message numerus="yes">
        <source>Manifest of {number}: %n device(s) in {pdf} and {csv}</source>
        <translation>
            <numerusform>Lieferliste von {number}: %n Gerät in {pdf} und {csv}</numerusform>
            <numerusform>Lieferliste von {number}: %n Geräte in {pdf} und {csv}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>⚠ %n device(s) not on order {order} and will not be provisioned. An admin may let a selected one in.</source>
        <translation>
            <numerusform>⚠ %n Gerät steht nicht auf Auftrag {order} und wird nicht eingerichtet. Ein Admin kann ein ausgewähltes zulassen.</numerusform>
            <numerusform>⚠ %n Geräte stehen nicht auf Auftrag {order} und werden nicht eingerichtet. Ein Admin kann ein ausgewähltes zulassen.</numerusform>
        </translation>
    </message>
    <message>
        <source>Order {number} runs {template}, which is not in the template folder</source>
        <translation>Auftrag {number} verwendet {template}, das nicht im Vorlagenordner liegt</translation>
    </message>
    <message>
        <source>Order {number} is complete</source>
        <translation>Auftrag {number} ist vollständig</translation>
    </message>
    <message>
        <source>Manifest of order {number}</source>
        <translation>Lieferliste von Auftrag {number}</translation>
    </message>
</context>
<context>
    <name>BenchTab</name>
    <message>
        <source>Provision on plug-in</source>
        <translation>Beim Einstecken starten</translation>
    </message>
    <message>
        <source>Let selected in (admin)…</source>
        <translation>Ausgewählte zulassen (Admin)…</translation>
    </message>
    <message>
        <source>Plug in a device: its tile appears here.</source>
        <translation>Gerät einstecken: Seine Kachel erscheint hier.</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <source>Start (alt)</source>
        <translation>Starten (alternativ)</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Retry selected</source>
        <translation>Ausgewählte wiederholen</translation>
    </message>
    <message>
        <source>Force re-run selected</source>
        <translation>Ausgewählte erneut erzwingen</translation>
    </message>
    <message>
        <source>Pick template</source>
        <translation>Vorlage wählen</translation>
    </message>
    <message>
        <source>Show what needs you</source>
        <translation>Zeigen, was auf Sie wartet</translation>
    </message>
    <message>
        <source>Force re-run</source>
        <translation>Erneut erzwingen</translation>
    </message>
    <message>
        <source>No template: add one on the Templates tab.</source>
        <translation>Keine Vorlage: Im Reiter „Vorlagen“ eine hinzufügen.</translation>
    </message>
    <message>
        <source>This template is invalid and cannot be started:
{errors}</source>
        <translation>Diese Vorlage ist ungültig und kann nicht gestartet werden:
{errors}</translation>
    </message>
    <message>
        <source>Choose the template</source>
        <translation>Vorlage wählen</translation>
    </message>
</context>
<context>
    <name>BenchToolbar</name>
    <message>
        <source>Template to apply (Ctrl+T)</source>
        <translation>Anzuwendende Vorlage (Strg+T)</translation>
    </message>
    <message>
        <source>▶ Start</source>
        <translation>▶ Starten</translation>
    </message>
    <message>
        <source>Start the selected devices, or all ready ones (F5)</source>
        <translation>Die ausgewählten Geräte starten, sonst alle bereiten (F5)</translation>
    </message>
    <message>
        <source>■ Stop</source>
        <translation>■ Stoppen</translation>
    </message>
    <message>
        <source>Stop the selected devices, or all (Shift+F5)</source>
        <translation>Die ausgewählten Geräte stoppen, sonst alle (Umschalt+F5)</translation>
    </message>
    <message>
        <source>Provision on plug-in</source>
        <translation>Beim Einstecken starten</translation>
    </message>
    <message>
        <source>Start each device as soon as it is ready (F9)</source>
        <translation>Jedes Gerät starten, sobald es bereit ist (F9)</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Bediener</translation>
    </message>
    <message>
        <source>Template</source>
        <translation>Vorlage</translation>
    </message>
    <message>
        <source>  (backend)</source>
        <translation>  (Backend)</translation>
    </message>
    <message>
        <source>Order {number} runs {template}; choose “No order” to pick another template</source>
        <translation>Auftrag {number} verwendet {template}; „Kein Auftrag“ wählen, um eine andere Vorlage zu nehmen</translation>
    </message>
</context>
<context>
    <name>BenchWords</name>
    <message>
        <source>Label for {serial} printed on {printer}</source>
        <translation>Etikett für {serial} auf {printer} gedruckt</translation>
    </message>
    <message>
        <source>Label for {serial} not printed: {problem}. It stays queued (labels waiting: {queued}) and is tried again in {seconds} s</source>
        <translation>Etikett für {serial} nicht gedruckt: {problem}. Es bleibt in der Warteschlange (wartende Etiketten: {queued}) und wird in {seconds} s erneut versucht</translation>
    </message>
    <message>
        <source>choose a template before starting</source>
        <translation>vor dem Start eine Vorlage wählen</translation>
    </message>
    <message>
        <source>no label printer is set: kitbench config set label.printer zpl://HOST:9100</source>
        <translation>kein Etikettendrucker eingestellt: kitbench config set label.printer zpl://HOST:9100</translation>
    </message>
    <message>
        <source>{device} has no done run to print a label for</source>
        <translation>{device} hat keinen fertigen Lauf, für den ein Etikett gedruckt werden kann</translation>
    </message>
    <message>
        <source>{device} is no longer connected</source>
        <translation>{device} ist nicht mehr verbunden</translation>
    </message>
    <message>
        <source>the template cannot be used: {problem}</source>
        <translation>die Vorlage kann nicht verwendet werden: {problem}</translation>
    </message>
    <message>
        <source>there is no order {order} on this station</source>
        <translation>auf dieser Station gibt es keinen Auftrag {order}</translation>
    </message>
    <message>
        <source>order {order} is closed: it takes no more devices</source>
        <translation>Auftrag {order} ist abgeschlossen: Er nimmt keine Geräte mehr an</translation>
    </message>
    <message>
        <source>the order runs another template (order {order})</source>
        <translation>der Auftrag verwendet eine andere Vorlage (Auftrag {order})</translation>
    </message>
</context>
<context>
    <name>Demo</name>
    <message>
        <source>Kitbench — demo bench (simulated devices: {count})</source>
        <translation>Kitbench — Demo-Arbeitsplatz (simulierte Geräte: {count})</translation>
    </message>
</context>
<context>
    <name>DetailsPanel</name>
    <message>
        <source>No picture: the station has no connection to the device now</source>
        <translation>Kein Bild: Die Station hat gerade keine Verbindung zum Gerät</translation>
    </message>
    <message>
        <source>The device gave no picture</source>
        <translation>Das Gerät hat kein Bild geliefert</translation>
    </message>
    <message>
        <source>The device is not on the bench</source>
        <translation>Das Gerät ist nicht am Arbeitsplatz</translation>
    </message>
    <message>
        <source>No picture until Allow is tapped on the device</source>
        <translation>Kein Bild, bis auf dem Gerät „Zulassen“ getippt wird</translation>
    </message>
    <message>
        <source>▶ running</source>
        <translation>▶ läuft</translation>
    </message>
    <message>
        <source>✓ ok</source>
        <translation>✓ ok</translation>
    </message>
    <message>
        <source>✓ changed</source>
        <translation>✓ geändert</translation>
    </message>
    <message>
        <source>– skipped</source>
        <translation>– übersprungen</translation>
    </message>
    <message>
        <source>✗ failed</source>
        <translation>✗ fehlgeschlagen</translation>
    </message>
    <message>
        <source>IMEI</source>
        <translation>IMEI</translation>
    </message>
    <message>
        <source>MEID</source>
        <translation>MEID</translation>
    </message>
    <message>
        <source>Wi-Fi MAC</source>
        <translation>WLAN-MAC</translation>
    </message>
    <message>
        <source>Bluetooth MAC</source>
        <translation>Bluetooth-MAC</translation>
    </message>
    <message>
        <source>Fingerprint</source>
        <translation>Build-Fingerprint</translation>
    </message>
    <message>
        <source>Security patch</source>
        <translation>Sicherheitspatch</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Serial</source>
        <translation>Seriennummer</translation>
    </message>
    <message>
        <source>Android</source>
        <translation>Android</translation>
    </message>
    <message>
        <source>Battery</source>
        <translation>Akku</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>Anschluss</translation>
    </message>
    <message>
        <source>Asset tag</source>
        <translation>Inventarnummer</translation>
    </message>
    <message>
        <source>Elapsed</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>refused to the shell</source>
        <translation>der Shell verweigert</translation>
    </message>
    <message>
        <source>the device has no such radio</source>
        <translation>das Gerät hat kein solches Funkmodul</translation>
    </message>
    <message>
        <source>only a randomized MAC is visible</source>
        <translation>nur eine zufällige MAC ist sichtbar</translation>
    </message>
    <message>
        <source>the answer could not be read</source>
        <translation>die Antwort war nicht lesbar</translation>
    </message>
    <message>
        <source>none ({why})</source>
        <translation>keine ({why})</translation>
    </message>
    <message>
        <source>not given by Android {release} ({why})</source>
        <translation>von Android {release} nicht angegeben ({why})</translation>
    </message>
    <message>
        <source>not given by Android ({why})</source>
        <translation>von Android nicht angegeben ({why})</translation>
    </message>
    <message>
        <source> (scanned from the box label)</source>
        <translation> (vom Kartonetikett gescannt)</translation>
    </message>
    <message>
        <source>— (read when a run starts)</source>
        <translation>— (wird beim Start eines Laufs gelesen)</translation>
    </message>
    <message>
        <source>Select a device</source>
        <translation>Gerät auswählen</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>Schritt</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
    <message>
        <source>Retry from failed step</source>
        <translation>Ab fehlgeschlagenem Schritt wiederholen</translation>
    </message>
    <message>
        <source>Force re-run</source>
        <translation>Erneut erzwingen</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Stoppen</translation>
    </message>
    <message>
        <source>Print label</source>
        <translation>Etikett drucken</translation>
    </message>
    <message>
        <source>Look at the screen</source>
        <translation>Bildschirm ansehen</translation>
    </message>
    <message>
        <source>What the device logged when the step failed</source>
        <translation>Was das Gerät beim Fehlschlag des Schritts protokolliert hat</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>Schritte</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>Click a tile to see its steps and log.</source>
        <translation>Eine Kachel anklicken, um Schritte und Protokoll zu sehen.</translation>
    </message>
    <message>
        <source>{release} (SDK {sdk})</source>
        <translation>{release} (SDK {sdk})</translation>
    </message>
    <message>
        <source>— (scan a barcode)</source>
        <translation>— (Barcode scannen)</translation>
    </message>
    <message>
        <source>{seconds} s</source>
        <translation>{seconds} s</translation>
    </message>
    <message>
        <source>Showing the device&apos;s screen</source>
        <translation>Bildschirm des Geräts anzeigen</translation>
    </message>
    <message>
        <source>The device&apos;s picture could not be read</source>
        <translation>Das Bild des Geräts war nicht lesbar</translation>
    </message>
    <message>
        <source>Screen at {time}</source>
        <translation>Bildschirm um {time}</translation>
    </message>
    <message>
        <source>No picture yet</source>
        <translation>Noch kein Bild</translation>
    </message>
</context>
<context>
    <name>DeviceModel</name>
    <message>
        <source>— run still running</source>
        <translation>— Lauf läuft noch</translation>
    </message>
    <message>
        <source>— run done</source>
        <translation>— Lauf fertig</translation>
    </message>
    <message>
        <source>— run failed</source>
        <translation>— Lauf fehlgeschlagen</translation>
    </message>
    <message>
        <source>— run refused</source>
        <translation>— Lauf abgelehnt</translation>
    </message>
    <message>
        <source>— run interrupted</source>
        <translation>— Lauf unterbrochen</translation>
    </message>
    <message>
        <source>— run of {template} v{version} started</source>
        <translation>— Lauf von {template} v{version} gestartet</translation>
    </message>
</context>
<context>
    <name>EngineCover</name>
    <message>
        <source>The station stopped</source>
        <translation>Die Station ist stehen geblieben</translation>
    </message>
    <message>
        <source>Devices that were being provisioned were interrupted; they are recorded as interrupted. Everything already recorded is kept.</source>
        <translation>Geräte, die gerade eingerichtet wurden, wurden unterbrochen und sind als unterbrochen erfasst. Alles bereits Erfasste bleibt erhalten.</translation>
    </message>
    <message>
        <source>Restart the station</source>
        <translation>Station neu starten</translation>
    </message>
    <message>
        <source>The station cannot start</source>
        <translation>Die Station kann nicht starten</translation>
    </message>
    <message>
        <source>Cannot open the station&apos;s database: {problem}</source>
        <translation>Die Datenbank der Station lässt sich nicht öffnen: {problem}</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Erneut versuchen</translation>
    </message>
    <message>
        <source>This station is already open</source>
        <translation>Diese Station ist bereits geöffnet</translation>
    </message>
    <message>
        <source>{problem}. Use that window, or close it first.</source>
        <translation>{problem}. Dieses Fenster verwenden oder es zuerst schließen.</translation>
    </message>
</context>
<context>
    <name>EngineLink</name>
    <message>
        <source>{folder} is in use by {holder}</source>
        <translation>{folder} wird von {holder} verwendet</translation>
    </message>
</context>
<context>
    <name>EnrollmentTab</name>
    <message>
        <source>auto</source>
        <translation>automatisch</translation>
    </message>
    <message>
        <source>Template</source>
        <translation>Vorlage</translation>
    </message>
    <message>
        <source>Error correction</source>
        <translation>Fehlerkorrektur</translation>
    </message>
    <message>
        <source>First number {seq}</source>
        <translation>Erste Nummer {seq}</translation>
    </message>
    <message>
        <source>Codes to print</source>
        <translation>Zu druckende Codes</translation>
    </message>
    <message>
        <source>Paper</source>
        <translation>Papier</translation>
    </message>
    <message>
        <source>Codes a page</source>
        <translation>Codes pro Seite</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>Drucken…</translation>
    </message>
    <message>
        <source>Print preview…</source>
        <translation>Druckvorschau…</translation>
    </message>
    <message>
        <source>Save PDF…</source>
        <translation>PDF speichern…</translation>
    </message>
    <message>
        <source>Save PNG…</source>
        <translation>PNG speichern…</translation>
    </message>
    <message>
        <source>Save SVG…</source>
        <translation>SVG speichern…</translation>
    </message>
    <message>
        <source>PDF sheet (*.pdf)</source>
        <translation>PDF-Bogen (*.pdf)</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG-Bild (*.png)</translation>
    </message>
    <message>
        <source>SVG image (*.svg)</source>
        <translation>SVG-Bild (*.svg)</translation>
    </message>
    <message>
        <source>No template has an enrollment: section to make a QR code from.</source>
        <translation>Keine Vorlage hat einen Abschnitt enrollment:, aus dem ein QR-Code entstehen kann.</translation>
    </message>
    <message>
        <source>Making the QR code</source>
        <translation>QR-Code erstellen</translation>
    </message>
    <message>
        <source>no code to save yet</source>
        <translation>noch kein Code zum Speichern</translation>
    </message>
    <message>
        <source>Saved {file}</source>
        <translation>{file} gespeichert</translation>
    </message>
    <message>
        <source>Saving {file}</source>
        <translation>{file} speichern</translation>
    </message>
    <message numerus="yes">
        <source>Saved {file}: %n code(s) on {pages}</source>
        <translation>
            <numerusform>{file} gespeichert: %n Code auf {pages}</numerusform>
            <numerusform>{file} gespeichert: %n Codes auf {pages}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n page(s)</source>
        <translation>
            <numerusform>%n Seite</numerusform>
            <numerusform>%n Seiten</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Sent %n page(s) to {printer}</source>
        <translation>
            <numerusform>%n Seite an {printer} gesendet</numerusform>
            <numerusform>%n Seiten an {printer} gesendet</numerusform>
        </translation>
    </message>
    <message>
        <source>the printer</source>
        <translation>den Drucker</translation>
    </message>
    <message>
        <source>Printing the sheet</source>
        <translation>Bogen drucken</translation>
    </message>
    <message>
        <source>choose a template with an enrollment: section first</source>
        <translation>zuerst eine Vorlage mit Abschnitt enrollment: wählen</translation>
    </message>
    <message>
        <source>{task} failed: {reason}</source>
        <translation>{task} fehlgeschlagen: {reason}</translation>
    </message>
    <message>
        <source>Unexpected error: {error}</source>
        <translation>Unerwarteter Fehler: {error}</translation>
    </message>
    <message>
        <source>Warning: {warning}</source>
        <translation>Warnung: {warning}</translation>
    </message>
    <message>
        <source>QR code version {version}: ready to print or save.</source>
        <translation>QR-Code Version {version}: bereit zum Drucken oder Speichern.</translation>
    </message>
    <message>
        <source>Cannot make the code: {reason}</source>
        <translation>Code kann nicht erstellt werden: {reason}</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>Cannot make the sheet: {reason}</source>
        <translation>Bogen kann nicht erstellt werden: {reason}</translation>
    </message>
    <message>
        <source>Planning the sheet</source>
        <translation>Bogen planen</translation>
    </message>
</context>
<context>
    <name>HistoryModel</name>
    <message>
        <source>Started</source>
        <translation>Gestartet</translation>
    </message>
    <message>
        <source>Slot</source>
        <translation>Steckplatz</translation>
    </message>
    <message>
        <source>Serial</source>
        <translation>Seriennummer</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Device name</source>
        <translation>Gerätename</translation>
    </message>
    <message>
        <source>IMEI</source>
        <translation>IMEI</translation>
    </message>
    <message>
        <source>Wi-Fi MAC</source>
        <translation>WLAN-MAC</translation>
    </message>
    <message>
        <source>Template</source>
        <translation>Vorlage</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Bediener</translation>
    </message>
    <message>
        <source>Asset tag</source>
        <translation>Inventarnummer</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>any result</source>
        <translation>jedes Ergebnis</translation>
    </message>
    <message>
        <source>done</source>
        <translation>fertig</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>abgelehnt</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>unterbrochen</translation>
    </message>
    <message>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <source>Reading new runs</source>
        <translation>Neue Läufe lesen</translation>
    </message>
    <message>
        <source>Reading the history</source>
        <translation>Verlauf lesen</translation>
    </message>
    <message>
        <source>Cannot read history: {problem}</source>
        <translation>Verlauf kann nicht gelesen werden: {problem}</translation>
    </message>
</context>
<context>
    <name>HistoryTab</name>
    <message>
        <source>Zero-touch CSV (Google)…</source>
        <translation>Zero-Touch-CSV (Google)…</translation>
    </message>
    <message>
        <source>Knox Mobile Enrollment CSV (Samsung)…</source>
        <translation>Knox-Mobile-Enrollment-CSV (Samsung)…</translation>
    </message>
    <message>
        <source>Esper CSV…</source>
        <translation>Esper-CSV…</translation>
    </message>
    <message>
        <source>Asset register CSV…</source>
        <translation>Inventarliste als CSV…</translation>
    </message>
    <message>
        <source>Asset register JSON…</source>
        <translation>Inventarliste als JSON…</translation>
    </message>
    <message>
        <source>a device with no serial</source>
        <translation>ein Gerät ohne Seriennummer</translation>
    </message>
    <message>
        <source>{device} (run {run})</source>
        <translation>{device} (Lauf {run})</translation>
    </message>
    <message>
        <source>IMEI {imei} is not 15 digits with a correct check digit</source>
        <translation>IMEI {imei} hat nicht 15 Ziffern mit korrekter Prüfziffer</translation>
    </message>
    <message>
        <source>another device</source>
        <translation>einem anderen Gerät</translation>
    </message>
    <message>
        <source>IMEI {imei} is also on {other}</source>
        <translation>IMEI {imei} steht auch auf {other}</translation>
    </message>
    <message>
        <source>no manufacturer</source>
        <translation>kein Hersteller</translation>
    </message>
    <message>
        <source>{manufacturer} is not a manufacturer this portal takes</source>
        <translation>{manufacturer} ist kein Hersteller, den dieses Portal annimmt</translation>
    </message>
    <message>
        <source>no IMEI or MEID, and not serial + model + manufacturer</source>
        <translation>keine IMEI oder MEID und nicht Seriennummer + Modell + Hersteller</translation>
    </message>
    <message>
        <source>Serial</source>
        <translation>Seriennummer</translation>
    </message>
    <message>
        <source>Template name</source>
        <translation>Vorlagenname</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>Seit</translation>
    </message>
    <message>
        <source>Filter</source>
        <translation>Filtern</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Exportieren…</translation>
    </message>
    <message>
        <source>History CSV (every run)…</source>
        <translation>Verlauf als CSV (jeder Lauf)…</translation>
    </message>
    <message>
        <source>Select a run to see its steps.</source>
        <translation>Einen Lauf auswählen, um seine Schritte zu sehen.</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>Exportiere…</translation>
    </message>
    <message>
        <source>Exporting the history to {file}</source>
        <translation>Verlauf nach {file} exportieren</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>Export fehlgeschlagen</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n run(s) to {file}</source>
        <translation>
            <numerusform>%n Lauf nach {file} exportiert</numerusform>
            <numerusform>%n Läufe nach {file} exportiert</numerusform>
        </translation>
    </message>
    <message>
        <source>Exporting {format} to {file}</source>
        <translation>{format} nach {file} exportieren</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n device(s) to {file}</source>
        <translation>
            <numerusform>%n Gerät nach {file} exportiert</numerusform>
            <numerusform>%n Geräte nach {file} exportiert</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Nothing exported: %n row(s) cannot be valid</source>
        <translation>
            <numerusform>Nichts exportiert: %n Zeile kann nicht gültig sein</numerusform>
            <numerusform>Nichts exportiert: %n Zeilen können nicht gültig sein</numerusform>
        </translation>
    </message>
    <message>
        <source>Nothing exported</source>
        <translation>Nichts exportiert</translation>
    </message>
    <message numerus="yes">
        <source>{file} was not written: %n device(s) cannot be valid for this portal. Fix them, or narrow the filter, then export again.</source>
        <translation>
            <numerusform>{file} wurde nicht geschrieben: %n Gerät kann für dieses Portal nicht gültig sein. Korrigieren oder den Filter enger fassen, dann erneut exportieren.</numerusform>
            <numerusform>{file} wurde nicht geschrieben: %n Geräte können für dieses Portal nicht gültig sein. Korrigieren oder den Filter enger fassen, dann erneut exportieren.</numerusform>
        </translation>
    </message>
    <message>
        <source>Export devices</source>
        <translation>Geräte exportieren</translation>
    </message>
    <message>
        <source>Export history</source>
        <translation>Verlauf exportieren</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Lädt…</translation>
    </message>
    <message>
        <source>{count}+ runs</source>
        <translation>{count}+ Läufe</translation>
    </message>
    <message numerus="yes">
        <source>%n run(s)</source>
        <translation>
            <numerusform>%n Lauf</numerusform>
            <numerusform>%n Läufe</numerusform>
        </translation>
    </message>
    <message>
        <source>Reading the run&apos;s steps</source>
        <translation>Schritte des Laufs lesen</translation>
    </message>
    <message>
        <source>This run is no longer in the database.</source>
        <translation>Dieser Lauf ist nicht mehr in der Datenbank.</translation>
    </message>
    <message>
        <source>{template} v{version} on {serial} ({model}): {result}</source>
        <translation>{template} v{version} auf {serial} ({model}): {result}</translation>
    </message>
    <message>
        <source>error: {error}</source>
        <translation>Fehler: {error}</translation>
    </message>
    <message>
        <source>identity: recorded when the run ends</source>
        <translation>Identität: wird am Ende des Laufs erfasst</translation>
    </message>
    <message>
        <source>identity ({manufacturer}, hardware serial {serial}):</source>
        <translation>Identität ({manufacturer}, Hardware-Seriennummer {serial}):</translation>
    </message>
    <message>
        <source>What the device logged when step {number} failed:</source>
        <translation>Was das Gerät beim Fehlschlag von Schritt {number} protokolliert hat:</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Bench</source>
        <translation>Arbeitsplatz</translation>
    </message>
    <message>
        <source>Templates</source>
        <translation>Vorlagen</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>Enrollment</source>
        <translation>Registrierung</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Data: {folder}</source>
        <translation>Daten: {folder}</translation>
    </message>
    <message>
        <source>Preparing the failure sound</source>
        <translation>Fehlerton vorbereiten</translation>
    </message>
    <message>
        <source>Reading the backend&apos;s releases</source>
        <translation>Freigaben des Backends lesen</translation>
    </message>
    <message>
        <source>Reading the operator name</source>
        <translation>Bedienernamen lesen</translation>
    </message>
    <message>
        <source>Use on bench</source>
        <translation>Am Arbeitsplatz verwenden</translation>
    </message>
    <message>
        <source>Saving the operator name</source>
        <translation>Bedienernamen speichern</translation>
    </message>
    <message>
        <source>Asset tag {tag} assigned</source>
        <translation>Inventarnummer {tag} zugewiesen</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>Wird beendet…</translation>
    </message>
    <message>
        <source>Stopping the station</source>
        <translation>Station beenden</translation>
    </message>
</context>
<context>
    <name>NeedsYou</name>
    <message>
        <source>Tap Allow on the device</source>
        <translation>„Zulassen“ tippen</translation>
    </message>
    <message>
        <source>Turn on USB debugging</source>
        <translation>USB-Debugging einschalten</translation>
    </message>
    <message>
        <source>Failed: select, read why, Retry (F8)</source>
        <translation>Fehler: Grund lesen, Erneut (F8)</translation>
    </message>
    <message>
        <source>Refused: fix what the tile says, Start (F5)</source>
        <translation>Abgelehnt: Hinweis beheben, Starten (F5)</translation>
    </message>
    <message>
        <source>Not on this order: set aside, ask an admin</source>
        <translation>Nicht im Auftrag: beiseitelegen, Admin fragen</translation>
    </message>
    <message>
        <source>Unplug: its label prints later</source>
        <translation>Abziehen: Etikett kommt später</translation>
    </message>
    <message>
        <source>Done: unplug</source>
        <translation>Fertig: abziehen</translation>
    </message>
</context>
<context>
    <name>NeedsYouStrip</name>
    <message>
        <source>Show only the devices that need someone (F6)</source>
        <translation>Nur Geräte zeigen, die jemanden brauchen (F6)</translation>
    </message>
    <message>
        <source>Nothing waits for anyone</source>
        <translation>Nichts wartet auf jemanden</translation>
    </message>
    <message numerus="yes">
        <source>Needs you: %n</source>
        <translation>
            <numerusform>Wartet auf Sie: %n</numerusform>
            <numerusform>Warten auf Sie: %n</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>OrderBar</name>
    <message>
        <source>Order {number} is complete: {done} of {target} done. Devices run now still count for it; choose the next order when this one ships.</source>
        <translation>Auftrag {number} ist vollständig: {done} von {target} fertig. Jetzt eingerichtete Geräte zählen noch dazu; den nächsten Auftrag wählen, wenn dieser versandt wird.</translation>
    </message>
    <message>
        <source>The kitting order runs are made for; it chooses its template</source>
        <translation>Der Kommissionierauftrag, für den eingerichtet wird; er bestimmt die Vorlage</translation>
    </message>
    <message>
        <source>Manifest…</source>
        <translation>Lieferliste…</translation>
    </message>
    <message>
        <source>Save the order&apos;s manifest as PDF and CSV</source>
        <translation>Lieferliste des Auftrags als PDF und CSV speichern</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>Auftrag</translation>
    </message>
    <message>
        <source>No order</source>
        <translation>Kein Auftrag</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>Admin PIN</source>
        <translation>Admin-PIN</translation>
    </message>
    <message>
        <source>“{what}” is for an admin.
Enter the admin PIN:</source>
        <translation>„{what}“ ist einem Admin vorbehalten.
Admin-PIN eingeben:</translation>
    </message>
    <message>
        <source>Enter the admin PIN:</source>
        <translation>Admin-PIN eingeben:</translation>
    </message>
</context>
<context>
    <name>PinSettings</name>
    <message>
        <source>Admin lock</source>
        <translation>Admin-Sperre</translation>
    </message>
    <message>
        <source>Set PIN</source>
        <translation>PIN festlegen</translation>
    </message>
    <message>
        <source>Remove PIN</source>
        <translation>PIN entfernen</translation>
    </message>
    <message>
        <source>new PIN, 4-12 digits</source>
        <translation>neue PIN, 4–12 Ziffern</translation>
    </message>
    <message>
        <source>the PIN again</source>
        <translation>PIN noch einmal</translation>
    </message>
    <message>
        <source>Settings are locked: an admin unlocks them.</source>
        <translation>Die Einstellungen sind gesperrt: Ein Admin entsperrt sie.</translation>
    </message>
    <message>
        <source>Unlock…</source>
        <translation>Entsperren…</translation>
    </message>
    <message>
        <source>Set the admin PIN</source>
        <translation>Admin-PIN festlegen</translation>
    </message>
    <message>
        <source>Remove the admin PIN</source>
        <translation>Admin-PIN entfernen</translation>
    </message>
    <message>
        <source>Change settings</source>
        <translation>Einstellungen ändern</translation>
    </message>
    <message>
        <source>No admin PIN: nothing is locked.</source>
        <translation>Keine Admin-PIN: Nichts ist gesperrt.</translation>
    </message>
    <message numerus="yes">
        <source>A PIN guards the template and order, Settings, Force re-run and letting in devices not on the order. It locks again after %n idle minute(s).</source>
        <translation>
            <numerusform>Eine PIN schützt Vorlage und Auftrag, die Einstellungen, „Erneut erzwingen“ und das Zulassen von Geräten, die nicht auf dem Auftrag stehen. Nach %n Minute ohne Bedienung sperrt sie wieder.</numerusform>
            <numerusform>Eine PIN schützt Vorlage und Auftrag, die Einstellungen, „Erneut erzwingen“ und das Zulassen von Geräten, die nicht auf dem Auftrag stehen. Nach %n Minuten ohne Bedienung sperrt sie wieder.</numerusform>
        </translation>
    </message>
    <message>
        <source>Not set: {reason}</source>
        <translation>Nicht festgelegt: {reason}</translation>
    </message>
    <message>
        <source>Not set: the two PINs differ</source>
        <translation>Nicht festgelegt: Die beiden PINs sind verschieden</translation>
    </message>
    <message>
        <source>Setting the PIN…</source>
        <translation>PIN wird festgelegt…</translation>
    </message>
    <message>
        <source>Setting the admin PIN</source>
        <translation>Admin-PIN festlegen</translation>
    </message>
    <message>
        <source>PIN set. Admin actions ask for it once the window locks.</source>
        <translation>PIN festgelegt. Admin-Aktionen fragen danach, sobald das Fenster sperrt.</translation>
    </message>
    <message>
        <source>Not removed: {reason}</source>
        <translation>Nicht entfernt: {reason}</translation>
    </message>
    <message>
        <source>Removing the admin PIN</source>
        <translation>Admin-PIN entfernen</translation>
    </message>
    <message>
        <source>PIN removed: nothing is locked.</source>
        <translation>PIN entfernt: Nichts ist gesperrt.</translation>
    </message>
</context>
<context>
    <name>Reasons</name>
    <message>
        <source>the battery check</source>
        <translation>der Akkuprüfung</translation>
    </message>
    <message>
        <source>reading the device&apos;s identity</source>
        <translation>dem Lesen der Geräteidentität</translation>
    </message>
    <message>
        <source>step {number} ({name})</source>
        <translation>Schritt {number} ({name})</translation>
    </message>
    <message>
        <source>Not an Android device</source>
        <translation>Kein Android-Gerät</translation>
    </message>
    <message>
        <source>Android {release} (SDK {sdk}) is too old: the template needs SDK {needed} or newer</source>
        <translation>Android {release} (SDK {sdk}) ist zu alt: die Vorlage braucht SDK {needed} oder neuer</translation>
    </message>
    <message>
        <source>Android {release} (SDK {sdk}) is too new: the template allows up to SDK {allowed}</source>
        <translation>Android {release} (SDK {sdk}) ist zu neu: die Vorlage erlaubt höchstens SDK {allowed}</translation>
    </message>
    <message>
        <source>The model {model} is not one of {listed}</source>
        <translation>Das Modell {model} ist keins von {listed}</translation>
    </message>
    <message>
        <source>The manufacturer {manufacturer} is not one of {listed}</source>
        <translation>Der Hersteller {manufacturer} ist keiner von {listed}</translation>
    </message>
    <message>
        <source>The device does not report its battery level</source>
        <translation>Das Gerät meldet seinen Akkustand nicht</translation>
    </message>
    <message>
        <source>The battery level cannot be read: {device}</source>
        <translation>Der Akkustand lässt sich nicht lesen: {device}</translation>
    </message>
    <message>
        <source>Battery {level}%: charge it to {needed}% first</source>
        <translation>Akku {level} %: zuerst auf {needed} % laden</translation>
    </message>
    <message>
        <source>Cannot read {file}: {system}</source>
        <translation>{file} lässt sich nicht lesen: {system}</translation>
    </message>
    <message>
        <source>{file} is not an APK Android can install: {detail}</source>
        <translation>{file} ist kein APK, das Android installieren kann: {detail}</translation>
    </message>
    <message>
        <source>{file} has no splits/*.apk (built with --mode=universal or for Android before 5?): install its APK directly</source>
        <translation>{file} enthält keine splits/*.apk (mit --mode=universal oder für Android vor 5 gebaut?): das APK direkt installieren</translation>
    </message>
    <message>
        <source>{file} is not a readable .apks archive: {detail}</source>
        <translation>{file} ist kein lesbares .apks-Archiv: {detail}</translation>
    </message>
    <message>
        <source>{file} does not match its pinned sha256</source>
        <translation>{file} passt nicht zu seinem festgelegten sha256</translation>
    </message>
    <message>
        <source>{file} holds {package}, not {wanted}</source>
        <translation>{file} enthält {package}, nicht {wanted}</translation>
    </message>
    <message>
        <source>A split set needs exactly one base APK; {file} has {count}</source>
        <translation>Ein Split-Set braucht genau ein Basis-APK; {file} hat {count}</translation>
    </message>
    <message>
        <source>{file} is {package} {version}, not {base_package} {base_version} as the base</source>
        <translation>{file} ist {package} {version}, nicht {base_package} {base_version} wie die Basis</translation>
    </message>
    <message>
        <source>{package} {installed} is installed, newer than {version}; the template must say downgrade: true</source>
        <translation>{package} {installed} ist installiert, neuer als {version}; die Vorlage muss downgrade: true sagen</translation>
    </message>
    <message>
        <source>{package} needs Android SDK {needed}; this device runs SDK {sdk}</source>
        <translation>{package} braucht Android SDK {needed}; dieses Gerät hat SDK {sdk}</translation>
    </message>
    <message>
        <source>Android refused the installation: {android}</source>
        <translation>Android hat die Installation abgelehnt: {android}</translation>
    </message>
    <message>
        <source>Android refused the removal: {android}</source>
        <translation>Android hat das Entfernen abgelehnt: {android}</translation>
    </message>
    <message>
        <source>Android would not list the apps: {android}</source>
        <translation>Android hat die Apps nicht aufgelistet: {android}</translation>
    </message>
    <message>
        <source>Android would not enable {package}: {android}</source>
        <translation>Android hat {package} nicht aktiviert: {android}</translation>
    </message>
    <message>
        <source>Android would not disable {package}: {android}</source>
        <translation>Android hat {package} nicht deaktiviert: {android}</translation>
    </message>
    <message>
        <source>Android would not grant {permission}: {android}</source>
        <translation>Android hat {permission} nicht erteilt: {android}</translation>
    </message>
    <message>
        <source>Android would not read the setting: {android}</source>
        <translation>Android hat die Einstellung nicht gelesen: {android}</translation>
    </message>
    <message>
        <source>Android would not change the setting: {android}</source>
        <translation>Android hat die Einstellung nicht geändert: {android}</translation>
    </message>
    <message>
        <source>Android would not set the time zone: {android}</source>
        <translation>Android hat die Zeitzone nicht gesetzt: {android}</translation>
    </message>
    <message>
        <source>Wi-Fi setup needs Android 11 or newer; this device runs Android {release}</source>
        <translation>Die WLAN-Einrichtung braucht Android 11 oder neuer; dieses Gerät hat Android {release}</translation>
    </message>
    <message>
        <source>The device did not join {ssid}: {android}</source>
        <translation>Das Gerät hat sich nicht mit {ssid} verbunden: {android}</translation>
    </message>
    <message>
        <source>Android refused the device owner: {android}</source>
        <translation>Android hat den Geräteinhaber abgelehnt: {android}</translation>
    </message>
    <message>
        <source>The device did not finish booting within {seconds} s</source>
        <translation>Das Gerät ist nicht innerhalb von {seconds} s fertig hochgefahren</translation>
    </message>
    <message>
        <source>The command ended with exit status {status}: {android}</source>
        <translation>Der Befehl endete mit Exit-Status {status}: {android}</translation>
    </message>
    <message>
        <source>The template&apos;s expect {pattern} is not a valid pattern: {detail}</source>
        <translation>Das expect {pattern} der Vorlage ist kein gültiges Muster: {detail}</translation>
    </message>
    <message>
        <source>The command&apos;s output does not match {pattern}</source>
        <translation>Die Ausgabe des Befehls passt nicht zu {pattern}</translation>
    </message>
    <message>
        <source>Not an Android device: the {action} step needs Android</source>
        <translation>Kein Android-Gerät: der Schritt {action} braucht Android</translation>
    </message>
    <message>
        <source>The device did not answer in time: {device}</source>
        <translation>Das Gerät hat nicht rechtzeitig geantwortet: {device}</translation>
    </message>
    <message>
        <source>The device refused: {device}</source>
        <translation>Das Gerät hat abgelehnt: {device}</translation>
    </message>
    <message>
        <source>A placeholder cannot be filled in: {detail}</source>
        <translation>Ein Platzhalter lässt sich nicht ausfüllen: {detail}</translation>
    </message>
    <message>
        <source>The device did not keep the provisioned marker</source>
        <translation>Das Gerät hat die Einrichtungsmarke nicht behalten</translation>
    </message>
    <message>
        <source>{package} is not installed</source>
        <translation>{package} ist nicht installiert</translation>
    </message>
    <message>
        <source>{package} is version {found}, older than {wanted}</source>
        <translation>{package} hat Version {found}, älter als {wanted}</translation>
    </message>
    <message>
        <source>{setting} cannot be read: exit status {status}</source>
        <translation>{setting} lässt sich nicht lesen: Exit-Status {status}</translation>
    </message>
    <message>
        <source>{setting} is {found}, not {wanted}</source>
        <translation>{setting} ist {found}, nicht {wanted}</translation>
    </message>
    <message>
        <source>{name} is unset, not {wanted}</source>
        <translation>{name} ist nicht gesetzt, nicht {wanted}</translation>
    </message>
    <message>
        <source>{name} is {found}, not {wanted}</source>
        <translation>{name} ist {found}, nicht {wanted}</translation>
    </message>
    <message>
        <source>{name} is unset, not a number</source>
        <translation>{name} ist nicht gesetzt, keine Zahl</translation>
    </message>
    <message>
        <source>{name} is {found}, not a number</source>
        <translation>{name} ist {found}, keine Zahl</translation>
    </message>
    <message>
        <source>{name} is {found}, below {wanted}</source>
        <translation>{name} ist {found}, unter {wanted}</translation>
    </message>
    <message>
        <source>Still waiting after {seconds} s: {conditions}</source>
        <translation>Wartet nach {seconds} s noch immer: {conditions}</translation>
    </message>
    <message>
        <source>Done in an earlier run</source>
        <translation>In einem früheren Lauf erledigt</translation>
    </message>
    <message>
        <source>Not an Android device: no marker kept, so it runs in full next time</source>
        <translation>Kein Android-Gerät: keine Marke gespeichert, daher läuft es beim nächsten Mal vollständig</translation>
    </message>
    <message>
        <source>Stopped by the operator</source>
        <translation>Vom Bediener gestoppt</translation>
    </message>
    <message>
        <source>Optional, not done: {reason}</source>
        <translation>Optional, nicht erledigt: {reason}</translation>
    </message>
    <message>
        <source>Internal error (the log has the details): {detail}</source>
        <translation>Interner Fehler (Einzelheiten im Protokoll): {detail}</translation>
    </message>
    <message>
        <source>The device could not be reached: {device}</source>
        <translation>Das Gerät war nicht erreichbar: {device}</translation>
    </message>
    <message>
        <source>{where} failed: {reason}</source>
        <translation>{where} fehlgeschlagen: {reason}</translation>
    </message>
    <message>
        <source>Stopped during {where}</source>
        <translation>Gestoppt während {where}</translation>
    </message>
    <message>
        <source>Disconnected during {where}</source>
        <translation>Verbindung getrennt während {where}</translation>
    </message>
    <message>
        <source>No longer allowed during {where}: tap Allow on the device</source>
        <translation>Nicht mehr zugelassen während {where}: auf dem Gerät „Zulassen“ tippen</translation>
    </message>
    <message>
        <source>The device answered with garbage during {where}</source>
        <translation>Das Gerät hat während {where} unverständlich geantwortet</translation>
    </message>
    <message>
        <source>Stopped before it started</source>
        <translation>Gestoppt, bevor es begann</translation>
    </message>
    <message>
        <source>Unplugged before it started</source>
        <translation>Abgesteckt, bevor es begann</translation>
    </message>
    <message>
        <source>The station was shutting down</source>
        <translation>Die Station wurde beendet</translation>
    </message>
    <message>
        <source>The device could not be reached</source>
        <translation>Das Gerät war nicht erreichbar</translation>
    </message>
    <message>
        <source>The device disconnected</source>
        <translation>Das Gerät hat die Verbindung getrennt</translation>
    </message>
    <message>
        <source>No longer allowed: tap Allow on the device</source>
        <translation>Nicht mehr zugelassen: auf dem Gerät „Zulassen“ tippen</translation>
    </message>
    <message>
        <source>The device answered with garbage</source>
        <translation>Das Gerät hat unverständlich geantwortet</translation>
    </message>
    <message>
        <source>The station could not record the run</source>
        <translation>Die Station konnte den Lauf nicht aufzeichnen</translation>
    </message>
    <message>
        <source>No {{seq}} number left: backend offline</source>
        <translation>Keine {{seq}}-Nummer mehr: Backend offline</translation>
    </message>
    <message>
        <source>Internal error (the log has the details)</source>
        <translation>Interner Fehler (Einzelheiten im Protokoll)</translation>
    </message>
    <message>
        <source>The step failed</source>
        <translation>Der Schritt ist fehlgeschlagen</translation>
    </message>
    <message>
        <source>Port map not used: {problem}</source>
        <translation>Portzuordnung nicht verwendet: {problem}</translation>
    </message>
    <message>
        <source>Labels not printed: label.auto_print is on, but no label.printer is set</source>
        <translation>Etiketten werden nicht gedruckt: label.auto_print ist an, aber kein label.printer gesetzt</translation>
    </message>
    <message>
        <source>Labels not printed: {problem}</source>
        <translation>Etiketten werden nicht gedruckt: {problem}</translation>
    </message>
    <message>
        <source>the label printer {printer} is off or unreachable</source>
        <translation>der Etikettendrucker {printer} ist aus oder nicht erreichbar</translation>
    </message>
    <message>
        <source>the label printer {printer} did not take the label in time</source>
        <translation>der Etikettendrucker {printer} hat das Etikett nicht rechtzeitig angenommen</translation>
    </message>
    <message>
        <source>labels cannot be written to {printer}</source>
        <translation>Etiketten lassen sich nicht nach {printer} schreiben</translation>
    </message>
    <message>
        <source>CUPS refused the label for {printer}</source>
        <translation>CUPS hat das Etikett für {printer} abgelehnt</translation>
    </message>
    <message>
        <source>CUPS is not installed (no lp command) for {printer}</source>
        <translation>CUPS ist nicht installiert (kein lp-Befehl) für {printer}</translation>
    </message>
</context>
<context>
    <name>SettingsTab</name>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>ed25519:… (one publisher key per line)</source>
        <translation>ed25519:… (ein Herausgeberschlüssel pro Zeile)</translation>
    </message>
    <message>
        <source>Install releases nobody signed (not recommended)</source>
        <translation>Unsignierte Freigaben installieren (nicht empfohlen)</translation>
    </message>
    <message>
        <source>Map plugged-in devices in order</source>
        <translation>Eingesteckte Geräte der Reihe nach zuordnen</translation>
    </message>
    <message>
        <source>automatic</source>
        <translation>automatisch</translation>
    </message>
    <message>
        <source>as the bus allows</source>
        <translation>so viele der Bus zulässt</translation>
    </message>
    <message>
        <source>light</source>
        <translation>hell</translation>
    </message>
    <message>
        <source>dark</source>
        <translation>dunkel</translation>
    </message>
    <message>
        <source>System</source>
        <translation>System</translation>
    </message>
    <message>
        <source>Sound when a device fails</source>
        <translation>Ton, wenn ein Gerät fehlschlägt</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Speichern</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>Station</translation>
    </message>
    <message>
        <source>Station name</source>
        <translation>Stationsname</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Bediener</translation>
    </message>
    <message>
        <source>Data directory</source>
        <translation>Datenordner</translation>
    </message>
    <message>
        <source>Station name applies at the next launch.</source>
        <translation>Der Stationsname gilt ab dem nächsten Start.</translation>
    </message>
    <message>
        <source>Fleet backend</source>
        <translation>Flotten-Backend</translation>
    </message>
    <message>
        <source>URL</source>
        <translation>URL</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>Token</translation>
    </message>
    <message>
        <source>Release channel</source>
        <translation>Freigabekanal</translation>
    </message>
    <message>
        <source>Trusted publisher keys</source>
        <translation>Vertrauenswürdige Herausgeberschlüssel</translation>
    </message>
    <message>
        <source>Bench</source>
        <translation>Arbeitsplatz</translation>
    </message>
    <message>
        <source>Port map (PORT: LABEL per line)</source>
        <translation>Port-Zuordnung (PORT: NAME pro Zeile)</translation>
    </message>
    <message>
        <source>Devices at once</source>
        <translation>Geräte gleichzeitig</translation>
    </message>
    <message>
        <source>Transfers per USB bus</source>
        <translation>Übertragungen pro USB-Bus</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Sprache</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Design</translation>
    </message>
    <message>
        <source>Port map, limits and language apply at the next launch.</source>
        <translation>Port-Zuordnung, Grenzen und Sprache gelten ab dem nächsten Start.</translation>
    </message>
    <message>
        <source>Reading the port map</source>
        <translation>Port-Zuordnung lesen</translation>
    </message>
    <message>
        <source>Save the settings</source>
        <translation>Einstellungen speichern</translation>
    </message>
    <message>
        <source>Not saved: {problem}</source>
        <translation>Nicht gespeichert: {problem}</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Speichert…</translation>
    </message>
    <message>
        <source>Saving the settings</source>
        <translation>Einstellungen speichern</translation>
    </message>
    <message>
        <source>Port map not used until fixed: {problem}</source>
        <translation>Port-Zuordnung wird erst nach Korrektur verwendet: {problem}</translation>
    </message>
    <message>
        <source>Cannot read the port map: {problem}</source>
        <translation>Port-Zuordnung kann nicht gelesen werden: {problem}</translation>
    </message>
    <message>
        <source>Cannot read the settings: {problem}</source>
        <translation>Einstellungen können nicht gelesen werden: {problem}</translation>
    </message>
    <message>
        <source>Reading the settings</source>
        <translation>Einstellungen lesen</translation>
    </message>
    <message>
        <source>•••• (set; type to replace)</source>
        <translation>•••• (gesetzt; zum Ersetzen eintippen)</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>nicht gesetzt</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Gespeichert.</translation>
    </message>
    <message>
        <source>Releases are installed only when a trusted key signed them.</source>
        <translation>Freigaben werden nur installiert, wenn ein vertrauenswürdiger Schlüssel sie signiert hat.</translation>
    </message>
    <message>
        <source>Releases are installed unchecked: no key is trusted and unsigned releases are allowed.</source>
        <translation>Freigaben werden ungeprüft installiert: Kein Schlüssel ist vertrauenswürdig und unsignierte Freigaben sind erlaubt.</translation>
    </message>
    <message>
        <source>No trusted publisher key: releases from the backend are not installed. Add the key your CI signs with.</source>
        <translation>Kein vertrauenswürdiger Herausgeberschlüssel: Freigaben vom Backend werden nicht installiert. Den Schlüssel hinzufügen, mit dem Ihre CI signiert.</translation>
    </message>
</context>
<context>
    <name>Sheet</name>
    <message>
        <source>codes print at {size} mm a module (under {smallest} mm): fewer codes a page (--per-page) scan more reliably</source>
        <translation>Codes werden mit {size} mm pro Modul gedruckt (unter {smallest} mm): Weniger Codes pro Seite (--per-page) lassen sich zuverlässiger scannen</translation>
    </message>
    <message>
        <source>Printed {date} by Kitbench</source>
        <translation>Gedruckt am {date} von Kitbench</translation>
    </message>
    <message>
        <source>Page {number} of {total}</source>
        <translation>Seite {number} von {total}</translation>
    </message>
</context>
<context>
    <name>SyncLabel</name>
    <message>
        <source>sync: —</source>
        <translation>Sync: —</translation>
    </message>
    <message>
        <source>synced</source>
        <translation>synchronisiert</translation>
    </message>
    <message numerus="yes">
        <source>offline since {time} · %Ln waiting to sync</source>
        <translation>
            <numerusform>offline seit {time} · %Ln wartet auf Sync</numerusform>
            <numerusform>offline seit {time} · %Ln warten auf Sync</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln waiting to sync</source>
        <translation>
            <numerusform>%Ln wartet auf Sync</numerusform>
            <numerusform>%Ln warten auf Sync</numerusform>
        </translation>
    </message>
    <message>
        <source>sync error: {problem}</source>
        <translation>Sync-Fehler: {problem}</translation>
    </message>
    <message>
        <source>sync: {status}</source>
        <translation>Sync: {status}</translation>
    </message>
</context>
<context>
    <name>TaskManager</name>
    <message>
        <source>{task} failed: {reason}</source>
        <translation>{task} fehlgeschlagen: {reason}</translation>
    </message>
</context>
<context>
    <name>TemplateLibrary</name>
    <message>
        <source>Reading the templates</source>
        <translation>Vorlagen lesen</translation>
    </message>
    <message>
        <source>{file} (invalid)</source>
        <translation>{file} (ungültig)</translation>
    </message>
</context>
<context>
    <name>TemplatesTab</name>
    <message>
        <source>not installed: this station trusts no publisher key (Settings)</source>
        <translation>nicht installiert: Diese Station vertraut keinem Herausgeberschlüssel (Einstellungen)</translation>
    </message>
    <message>
        <source>refused: not signed, and this station needs a signature</source>
        <translation>abgelehnt: nicht signiert, und diese Station verlangt eine Signatur</translation>
    </message>
    <message>
        <source>refused: signed by a key this station does not trust</source>
        <translation>abgelehnt: mit einem Schlüssel signiert, dem diese Station nicht vertraut</translation>
    </message>
    <message>
        <source>refused: its signature does not match</source>
        <translation>abgelehnt: Die Signatur stimmt nicht</translation>
    </message>
    <message>
        <source>refused: its manifest is damaged</source>
        <translation>abgelehnt: Das Manifest ist beschädigt</translation>
    </message>
    <message>
        <source>refused: {file} does not match its published hash</source>
        <translation>abgelehnt: {file} passt nicht zu seinem veröffentlichten Hash</translation>
    </message>
    <message>
        <source>refused: the backend does not have {file}</source>
        <translation>abgelehnt: Das Backend hat {file} nicht</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>Ordner öffnen</translation>
    </message>
    <message>
        <source>Reload</source>
        <translation>Neu laden</translation>
    </message>
    <message>
        <source>Use on bench</source>
        <translation>Am Arbeitsplatz verwenden</translation>
    </message>
    <message>
        <source>Releases from the backend:</source>
        <translation>Freigaben vom Backend:</translation>
    </message>
    <message>
        <source>Folder: {folders}</source>
        <translation>Ordner: {folders}</translation>
    </message>
    <message>
        <source>No templates yet. Put YAML templates in the folder above, then Reload.</source>
        <translation>Noch keine Vorlagen. YAML-Vorlagen in den Ordner oben legen, dann „Neu laden“.</translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;{file}&lt;/b&gt; ({origin}) is invalid: %n error(s).</source>
        <translation>
            <numerusform>&lt;b&gt;{file}&lt;/b&gt; ({origin}) ist ungültig: %n Fehler.</numerusform>
            <numerusform>&lt;b&gt;{file}&lt;/b&gt; ({origin}) ist ungültig: %n Fehler.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;{name}&lt;/b&gt; version {version} ({origin}) — %n step(s)</source>
        <translation>
            <numerusform>&lt;b&gt;{name}&lt;/b&gt; Version {version} ({origin}) — %n Schritt</numerusform>
            <numerusform>&lt;b&gt;{name}&lt;/b&gt; Version {version} ({origin}) — %n Schritte</numerusform>
        </translation>
    </message>
    <message>
        <source>✓ {release}: ready</source>
        <translation>✓ {release}: bereit</translation>
    </message>
    <message>
        <source>✓ {release}: ready, unsigned</source>
        <translation>✓ {release}: bereit, unsigniert</translation>
    </message>
    <message>
        <source>↓ {release}: downloading {done}/{total} files, {bytes} of {size}</source>
        <translation>↓ {release}: lädt {done}/{total} Dateien, {bytes} von {size}</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>abgelehnt</translation>
    </message>
    <message>
        <source>a file</source>
        <translation>eine Datei</translation>
    </message>
    <message>
        <source>{number} MB</source>
        <translation>{number} MB</translation>
    </message>
    <message>
        <source>{number} kB</source>
        <translation>{number} kB</translation>
    </message>
    <message>
        <source>from the fleet backend</source>
        <translation>vom Flotten-Backend</translation>
    </message>
    <message>
        <source>local</source>
        <translation>lokal</translation>
    </message>
</context>
<context>
    <name>TileDelegate</name>
    <message>
        <source>Retry</source>
        <translation>Erneut</translation>
    </message>
    <message>
        <source>Unplug</source>
        <translation>Abziehen</translation>
    </message>
    <message>
        <source>Held back</source>
        <translation>Zurückgehalten</translation>
    </message>
    <message>
        <source>USB debug</source>
        <translation>USB-Debug</translation>
    </message>
</context>
<context>
    <name>TileGrid</name>
    <message>
        <source>{count} {state}</source>
        <translation>{count} {state}</translation>
    </message>
    <message>
        <source>Hub {name}</source>
        <translation>Hub {name}</translation>
    </message>
</context>
<context>
    <name>TileView</name>
    <message>
        <source>Connecting</source>
        <translation>Verbindet</translation>
    </message>
    <message>
        <source>No USB debugging</source>
        <translation>Kein USB-Debugging</translation>
    </message>
    <message>
        <source>Tap Allow</source>
        <translation>„Zulassen“</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Bereit</translation>
    </message>
    <message>
        <source>Working</source>
        <translation>Läuft</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Fertig</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>Refused</source>
        <translation>Abgelehnt</translation>
    </message>
    <message>
        <source>Unplugged</source>
        <translation>Abgesteckt</translation>
    </message>
    <message>
        <source>Connection lost</source>
        <translation>Verbindung verloren</translation>
    </message>
    <message>
        <source>No longer allowed: tap Allow on the device</source>
        <translation>Nicht mehr zugelassen: auf dem Gerät „Zulassen“ tippen</translation>
    </message>
    <message>
        <source>The device answered with garbage</source>
        <translation>Das Gerät hat unverständlich geantwortet</translation>
    </message>
    <message>
        <source>The device stopped answering</source>
        <translation>Das Gerät antwortet nicht mehr</translation>
    </message>
    <message>
        <source>The device refused the connection</source>
        <translation>Das Gerät hat die Verbindung abgelehnt</translation>
    </message>
    <message>
        <source>Turn on USB debugging (Settings › Developer options)</source>
        <translation>USB-Debugging einschalten (Einstellungen › Entwickleroptionen)</translation>
    </message>
    <message>
        <source>Already provisioned with {template} v{version}</source>
        <translation>Bereits mit {template} v{version} eingerichtet</translation>
    </message>
    <message>
        <source>Not on this order ({order}): ask an admin</source>
        <translation>Nicht auf diesem Auftrag ({order}): Admin fragen</translation>
    </message>
    <message>
        <source>No {{seq}} number of {series} left: backend offline</source>
        <translation>Keine {{seq}}-Nummer von {series} mehr: Backend offline</translation>
    </message>
    <message>
        <source>No longer watched</source>
        <translation>Nicht mehr überwacht</translation>
    </message>
    <message>
        <source>Waiting to start {template}</source>
        <translation>Wartet auf den Start von {template}</translation>
    </message>
    <message>
        <source>{step}: {status} — {said}</source>
        <translation>{step}: {status} — {said}</translation>
    </message>
    <message>
        <source>attempt {number} failed: {reason}</source>
        <translation>Versuch {number} fehlgeschlagen: {reason}</translation>
    </message>
    <message>
        <source>The data folder {folder} is full: free space there (or point KITBENCH_HOME at a bigger disk), then start again.</source>
        <translation>Der Datenordner {folder} ist voll: dort Platz schaffen (oder KITBENCH_HOME auf eine größere Platte zeigen lassen), dann erneut starten.</translation>
    </message>
    <message>
        <source>Kitbench cannot write to its data folder {folder}: make it writable for the user running Kitbench (or point KITBENCH_HOME at a folder that is), then start again.</source>
        <translation>Kitbench kann nicht in seinen Datenordner {folder} schreiben: ihn für den Benutzer, unter dem Kitbench läuft, beschreibbar machen (oder KITBENCH_HOME auf einen beschreibbaren Ordner zeigen lassen), dann erneut starten.</translation>
    </message>
    <message>
        <source>The station database in {folder} is locked by another program: close it (another Kitbench, a backup or a database browser holding kitbench.db), then start again.</source>
        <translation>Die Stationsdatenbank in {folder} ist von einem anderen Programm gesperrt: es schließen (ein weiteres Kitbench, eine Sicherung oder ein Datenbank-Browser, der kitbench.db offen hält), dann erneut starten.</translation>
    </message>
    <message>
        <source>The station database in {folder} is damaged: move kitbench.db out of that folder (keep it for recovery; Kitbench starts a new one), then start again.</source>
        <translation>Die Stationsdatenbank in {folder} ist beschädigt: kitbench.db aus diesem Ordner verschieben (für eine Wiederherstellung aufheben; Kitbench legt eine neue an), dann erneut starten.</translation>
    </message>
    <message>
        <source>starting…</source>
        <translation>startet…</translation>
    </message>
    <message>
        <source>step {number}/{total}: {name}</source>
        <translation>Schritt {number}/{total}: {name}</translation>
    </message>
    <message>
        <source>Unplug · label waits</source>
        <translation>Abziehen · Etikett wartet</translation>
    </message>
    <message>
        <source>Unplug</source>
        <translation>Abziehen</translation>
    </message>
    <message>
        <source>Tap Allow on the device</source>
        <translation>Auf dem Gerät „Zulassen“ tippen</translation>
    </message>
    <message>
        <source>Turn on USB debugging</source>
        <translation>USB-Debugging einschalten</translation>
    </message>
    <message>
        <source>Press Start (F5)</source>
        <translation>„Starten“ drücken (F5)</translation>
    </message>
</context>
</TS>

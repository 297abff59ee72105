<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="es_ES">
<context>
    <name>AdminGuard</name>
    <message>
        <source>Reading the admin PIN</source>
        <translation>Leyendo el PIN de administrador</translation>
    </message>
    <message>
        <source>Admin actions ask for the PIN. Click to unlock.</source>
        <translation>Las acciones de administrador piden el PIN. Haga clic para desbloquear.</translation>
    </message>
    <message>
        <source>Admin locked</source>
        <translation>Administración bloqueada</translation>
    </message>
    <message>
        <source>Admin unlocked · Lock now</source>
        <translation>Administración desbloqueada · Bloquear ya</translation>
    </message>
    <message>
        <source>Admin actions are open until the window is idle</source>
        <translation>Las acciones de administrador quedan abiertas hasta que la ventana esté inactiva</translation>
    </message>
    <message>
        <source>Choose the template</source>
        <translation>Elegir la plantilla</translation>
    </message>
    <message>
        <source>Choose the order</source>
        <translation>Elegir el pedido</translation>
    </message>
    <message>
        <source>Too many wrong PINs: try again in {s} s</source>
        <translation>Demasiados PIN incorrectos: vuelva a intentarlo en {s} s</translation>
    </message>
    <message>
        <source>Checking the admin PIN</source>
        <translation>Comprobando el PIN de administrador</translation>
    </message>
    <message>
        <source>Wrong PIN</source>
        <translation>PIN incorrecto</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>Desbloquear</translation>
    </message>
</context>
<context>
    <name>App</name>
    <message>
        <source>USB devices not watched: {reason}</source>
        <translation>Los dispositivos USB no se vigilan: {reason}</translation>
    </message>
    <message>
        <source>Cannot open the station&apos;s database:
{problem}</source>
        <translation>No se puede abrir la base de datos de la estación:
{problem}</translation>
    </message>
    <message>
        <source>Cannot read the station&apos;s settings:
{problem}</source>
        <translation>No se pueden leer los ajustes de la estación:
{problem}</translation>
    </message>
    <message>
        <source>Ready in {seconds} s</source>
        <translation>Listo en {seconds} s</translation>
    </message>
    <message>
        <source>Kitbench is already running on this station.

{problem}.

Use that window, or close it and start Kitbench again.</source>
        <translation>Kitbench ya se está ejecutando en esta estación.

{problem}.

Use esa ventana, o ciérrela y vuelva a iniciar Kitbench.</translation>
    </message>
</context>
<context>
    <name>BenchCounters</name>
    <message>
        <source>✓ {done} done   ✗ {failed} failed   ⊘ {refused} refused   ▶ {working} in progress</source>
        <translation>✓ {done} terminados   ✗ {failed} fallidos   ⊘ {refused} rechazados   ▶ {working} en curso</translation>
    </message>
    <message>
        <source>{rate} / hour</source>
        <translation>{rate} / hora</translation>
    </message>
</context>
<context>
    <name>BenchOrders</name>
    <message>
        <source>Let selected in (admin)…</source>
        <translation>Admitir los seleccionados (admin.)…</translation>
    </message>
    <message>
        <source>Run the selected held-back devices under this order</source>
        <translation>Configurar los dispositivos retenidos seleccionados con este pedido</translation>
    </message>
    <message>
        <source>Reading the orders</source>
        <translation>Leyendo los pedidos</translation>
    </message>
    <message>
        <source>Let devices in</source>
        <translation>Admitir dispositivos</translation>
    </message>
    <message>
        <source>{devices}: not on order {order}&apos;s expected list.

Provision under order {order} anyway? This is an admin&apos;s decision.</source>
        <translation>{devices}: no está en la lista prevista del pedido {order}.

¿Configurar igualmente con el pedido {order}? Es una decisión del administrador.</translation>
    </message>
    <message>
        <source>Writing the manifest of order {number}</source>
        <translation>Escribiendo el manifiesto del pedido {number}</translation>
    </message>
    <message numerus="yes">
        <source>Manifest of {number}: %n device(s) in {pdf} and {csv}</source>
        <translation>
            <numerusform>Manifiesto de {number}: %n dispositivo en {pdf} y {csv}</numerusform>
            <numerusform>Manifiesto de {number}: %n dispositivos en {pdf} y {csv}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>⚠ %n device(s) not on order {order} and will not be provisioned. An admin may let a selected one in.</source>
        <translation>
            <numerusform>⚠ %n dispositivo no está en el pedido {order} y no se configurará. Un administrador puede admitir uno seleccionado.</numerusform>
            <numerusform>⚠ %n dispositivos no están en el pedido {order} y no se configurarán. Un administrador puede admitir uno seleccionado.</numerusform>
        </translation>
    </message>
    <message>
        <source>Order {number} runs {template}, which is not in the template folder</source>
        <translation>El pedido {number} usa {template}, que no está en la carpeta de plantillas</translation>
    </message>
    <message>
        <source>Order {number} is complete</source>
        <translation>El pedido {number} está completo</translation>
    </message>
    <message>
        <source>Manifest of order {number}</source>
        <translation>Manifiesto del pedido {number}</translation>
    </message>
</context>
<context>
    <name>BenchTab</name>
    <message>
        <source>Provision on plug-in</source>
        <translation>Configurar al conectar</translation>
    </message>
    <message>
        <source>Let selected in (admin)…</source>
        <translation>Admitir los seleccionados (admin.)…</translation>
    </message>
    <message>
        <source>Plug in a device: its tile appears here.</source>
        <translation>Conecte un dispositivo: su recuadro aparece aquí.</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Iniciar</translation>
    </message>
    <message>
        <source>Start (alt)</source>
        <translation>Iniciar (alternativo)</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Detener</translation>
    </message>
    <message>
        <source>Retry selected</source>
        <translation>Reintentar los seleccionados</translation>
    </message>
    <message>
        <source>Force re-run selected</source>
        <translation>Forzar de nuevo los seleccionados</translation>
    </message>
    <message>
        <source>Pick template</source>
        <translation>Elegir plantilla</translation>
    </message>
    <message>
        <source>Show what needs you</source>
        <translation>Mostrar lo que le necesita</translation>
    </message>
    <message>
        <source>Force re-run</source>
        <translation>Forzar de nuevo</translation>
    </message>
    <message>
        <source>No template: add one on the Templates tab.</source>
        <translation>No hay plantilla: añada una en la pestaña Plantillas.</translation>
    </message>
    <message>
        <source>This template is invalid and cannot be started:
{errors}</source>
        <translation>Esta plantilla no es válida y no se puede iniciar:
{errors}</translation>
    </message>
    <message>
        <source>Choose the template</source>
        <translation>Elegir la plantilla</translation>
    </message>
</context>
<context>
    <name>BenchToolbar</name>
    <message>
        <source>Template to apply (Ctrl+T)</source>
        <translation>Plantilla que se aplica (Ctrl+T)</translation>
    </message>
    <message>
        <source>▶ Start</source>
        <translation>▶ Iniciar</translation>
    </message>
    <message>
        <source>Start the selected devices, or all ready ones (F5)</source>
        <translation>Iniciar los dispositivos seleccionados, o todos los listos (F5)</translation>
    </message>
    <message>
        <source>■ Stop</source>
        <translation>■ Detener</translation>
    </message>
    <message>
        <source>Stop the selected devices, or all (Shift+F5)</source>
        <translation>Detener los dispositivos seleccionados, o todos (Mayús+F5)</translation>
    </message>
    <message>
        <source>Provision on plug-in</source>
        <translation>Configurar al conectar</translation>
    </message>
    <message>
        <source>Start each device as soon as it is ready (F9)</source>
        <translation>Iniciar cada dispositivo en cuanto esté listo (F9)</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Operario</translation>
    </message>
    <message>
        <source>Template</source>
        <translation>Plantilla</translation>
    </message>
    <message>
        <source>  (backend)</source>
        <translation>  (backend)</translation>
    </message>
    <message>
        <source>Order {number} runs {template}; choose “No order” to pick another template</source>
        <translation>El pedido {number} usa {template}; elija «Sin pedido» para escoger otra plantilla</translation>
    </message>
</context>
<context>
    <name>BenchWords</name>
    <message>
        <source>Label for {serial} printed on {printer}</source>
        <translation>Etiqueta de {serial} impresa en {printer}</translation>
    </message>
    <message>
        <source>Label for {serial} not printed: {problem}. It stays queued (labels waiting: {queued}) and is tried again in {seconds} s</source>
        <translation>Etiqueta de {serial} no impresa: {problem}. Sigue en la cola (etiquetas en espera: {queued}) y se reintenta en {seconds} s</translation>
    </message>
    <message>
        <source>choose a template before starting</source>
        <translation>elija una plantilla antes de iniciar</translation>
    </message>
    <message>
        <source>no label printer is set: kitbench config set label.printer zpl://HOST:9100</source>
        <translation>no hay impresora de etiquetas: kitbench config set label.printer zpl://HOST:9100</translation>
    </message>
    <message>
        <source>{device} has no done run to print a label for</source>
        <translation>{device} no tiene ninguna ejecución terminada para imprimir una etiqueta</translation>
    </message>
    <message>
        <source>{device} is no longer connected</source>
        <translation>{device} ya no está conectado</translation>
    </message>
    <message>
        <source>the template cannot be used: {problem}</source>
        <translation>la plantilla no se puede usar: {problem}</translation>
    </message>
    <message>
        <source>there is no order {order} on this station</source>
        <translation>no existe el pedido {order} en esta estación</translation>
    </message>
    <message>
        <source>order {order} is closed: it takes no more devices</source>
        <translation>el pedido {order} está cerrado: no admite más dispositivos</translation>
    </message>
    <message>
        <source>the order runs another template (order {order})</source>
        <translation>el pedido usa otra plantilla (pedido {order})</translation>
    </message>
</context>
<context>
    <name>Demo</name>
    <message>
        <source>Kitbench — demo bench (simulated devices: {count})</source>
        <translation>Kitbench — banco de demostración (dispositivos simulados: {count})</translation>
    </message>
</context>
<context>
    <name>DetailsPanel</name>
    <message>
        <source>No picture: the station has no connection to the device now</source>
        <translation>Sin imagen: la estación no tiene conexión con el dispositivo ahora</translation>
    </message>
    <message>
        <source>The device gave no picture</source>
        <translation>El dispositivo no ha dado ninguna imagen</translation>
    </message>
    <message>
        <source>The device is not on the bench</source>
        <translation>El dispositivo no está en el puesto</translation>
    </message>
    <message>
        <source>No picture until Allow is tapped on the device</source>
        <translation>Sin imagen hasta que se toque «Permitir» en el dispositivo</translation>
    </message>
    <message>
        <source>▶ running</source>
        <translation>▶ en curso</translation>
    </message>
    <message>
        <source>✓ ok</source>
        <translation>✓ correcto</translation>
    </message>
    <message>
        <source>✓ changed</source>
        <translation>✓ cambiado</translation>
    </message>
    <message>
        <source>– skipped</source>
        <translation>– omitido</translation>
    </message>
    <message>
        <source>✗ failed</source>
        <translation>✗ fallido</translation>
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
        <translation>MAC Wi-Fi</translation>
    </message>
    <message>
        <source>Bluetooth MAC</source>
        <translation>MAC Bluetooth</translation>
    </message>
    <message>
        <source>Fingerprint</source>
        <translation>Huella de compilación</translation>
    </message>
    <message>
        <source>Security patch</source>
        <translation>Parche de seguridad</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modelo</translation>
    </message>
    <message>
        <source>Serial</source>
        <translation>N.º de serie</translation>
    </message>
    <message>
        <source>Android</source>
        <translation>Android</translation>
    </message>
    <message>
        <source>Battery</source>
        <translation>Batería</translation>
    </message>
    <message>
        <source>Endpoint</source>
        <translation>Conexión</translation>
    </message>
    <message>
        <source>Asset tag</source>
        <translation>N.º de inventario</translation>
    </message>
    <message>
        <source>Elapsed</source>
        <translation>Transcurrido</translation>
    </message>
    <message>
        <source>refused to the shell</source>
        <translation>denegado a la shell</translation>
    </message>
    <message>
        <source>the device has no such radio</source>
        <translation>el dispositivo no tiene esa radio</translation>
    </message>
    <message>
        <source>only a randomized MAC is visible</source>
        <translation>solo se ve una MAC aleatoria</translation>
    </message>
    <message>
        <source>the answer could not be read</source>
        <translation>no se pudo leer la respuesta</translation>
    </message>
    <message>
        <source>none ({why})</source>
        <translation>ninguno ({why})</translation>
    </message>
    <message>
        <source>not given by Android {release} ({why})</source>
        <translation>Android {release} no lo da ({why})</translation>
    </message>
    <message>
        <source>not given by Android ({why})</source>
        <translation>Android no lo da ({why})</translation>
    </message>
    <message>
        <source> (scanned from the box label)</source>
        <translation> (escaneado de la etiqueta de la caja)</translation>
    </message>
    <message>
        <source>— (read when a run starts)</source>
        <translation>— (se lee al iniciar una ejecución)</translation>
    </message>
    <message>
        <source>Select a device</source>
        <translation>Seleccione un dispositivo</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>Paso</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Estado</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Tiempo</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Mensaje</translation>
    </message>
    <message>
        <source>Retry from failed step</source>
        <translation>Reintentar desde el paso fallido</translation>
    </message>
    <message>
        <source>Force re-run</source>
        <translation>Forzar de nuevo</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Detener</translation>
    </message>
    <message>
        <source>Print label</source>
        <translation>Imprimir etiqueta</translation>
    </message>
    <message>
        <source>Look at the screen</source>
        <translation>Ver la pantalla</translation>
    </message>
    <message>
        <source>What the device logged when the step failed</source>
        <translation>Lo que registró el dispositivo cuando falló el paso</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>Pasos</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>Registro</translation>
    </message>
    <message>
        <source>Click a tile to see its steps and log.</source>
        <translation>Haga clic en un recuadro para ver sus pasos y su registro.</translation>
    </message>
    <message>
        <source>{release} (SDK {sdk})</source>
        <translation>{release} (SDK {sdk})</translation>
    </message>
    <message>
        <source>— (scan a barcode)</source>
        <translation>— (escanee un código de barras)</translation>
    </message>
    <message>
        <source>{seconds} s</source>
        <translation>{seconds} s</translation>
    </message>
    <message>
        <source>Showing the device&apos;s screen</source>
        <translation>Mostrando la pantalla del dispositivo</translation>
    </message>
    <message>
        <source>The device&apos;s picture could not be read</source>
        <translation>No se pudo leer la imagen del dispositivo</translation>
    </message>
    <message>
        <source>Screen at {time}</source>
        <translation>Pantalla a las {time}</translation>
    </message>
    <message>
        <source>No picture yet</source>
        <translation>Aún no hay imagen</translation>
    </message>
</context>
<context>
    <name>DeviceModel</name>
    <message>
        <source>— run still running</source>
        <translation>— ejecución aún en curso</translation>
    </message>
    <message>
        <source>— run done</source>
        <translation>— ejecución terminada</translation>
    </message>
    <message>
        <source>— run failed</source>
        <translation>— ejecución fallida</translation>
    </message>
    <message>
        <source>— run refused</source>
        <translation>— ejecución rechazada</translation>
    </message>
    <message>
        <source>— run interrupted</source>
        <translation>— ejecución interrumpida</translation>
    </message>
    <message>
        <source>— run of {template} v{version} started</source>
        <translation>— ejecución de {template} v{version} iniciada</translation>
    </message>
</context>
<context>
    <name>EngineCover</name>
    <message>
        <source>The station stopped</source>
        <translation>La estación se ha detenido</translation>
    </message>
    <message>
        <source>Devices that were being provisioned were interrupted; they are recorded as interrupted. Everything already recorded is kept.</source>
        <translation>Los dispositivos que se estaban configurando se interrumpieron y quedan registrados como interrumpidos. Todo lo ya registrado se conserva.</translation>
    </message>
    <message>
        <source>Restart the station</source>
        <translation>Reiniciar la estación</translation>
    </message>
    <message>
        <source>The station cannot start</source>
        <translation>La estación no puede arrancar</translation>
    </message>
    <message>
        <source>Cannot open the station&apos;s database: {problem}</source>
        <translation>No se puede abrir la base de datos de la estación: {problem}</translation>
    </message>
    <message>
        <source>Try again</source>
        <translation>Volver a intentar</translation>
    </message>
    <message>
        <source>This station is already open</source>
        <translation>Esta estación ya está abierta</translation>
    </message>
    <message>
        <source>{problem}. Use that window, or close it first.</source>
        <translation>{problem}. Use esa ventana, o ciérrela primero.</translation>
    </message>
</context>
<context>
    <name>EngineLink</name>
    <message>
        <source>{folder} is in use by {holder}</source>
        <translation>{folder} está en uso por {holder}</translation>
    </message>
</context>
<context>
    <name>EnrollmentTab</name>
    <message>
        <source>auto</source>
        <translation>automático</translation>
    </message>
    <message>
        <source>Template</source>
        <translation>Plantilla</translation>
    </message>
    <message>
        <source>Error correction</source>
        <translation>Corrección de errores</translation>
    </message>
    <message>
        <source>First number {seq}</source>
        <translation>Primer número {seq}</translation>
    </message>
    <message>
        <source>Codes to print</source>
        <translation>Códigos que imprimir</translation>
    </message>
    <message>
        <source>Paper</source>
        <translation>Papel</translation>
    </message>
    <message>
        <source>Codes a page</source>
        <translation>Códigos por página</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>Imprimir…</translation>
    </message>
    <message>
        <source>Print preview…</source>
        <translation>Vista previa…</translation>
    </message>
    <message>
        <source>Save PDF…</source>
        <translation>Guardar PDF…</translation>
    </message>
    <message>
        <source>Save PNG…</source>
        <translation>Guardar PNG…</translation>
    </message>
    <message>
        <source>Save SVG…</source>
        <translation>Guardar SVG…</translation>
    </message>
    <message>
        <source>PDF sheet (*.pdf)</source>
        <translation>Hoja PDF (*.pdf)</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>Imagen PNG (*.png)</translation>
    </message>
    <message>
        <source>SVG image (*.svg)</source>
        <translation>Imagen SVG (*.svg)</translation>
    </message>
    <message>
        <source>No template has an enrollment: section to make a QR code from.</source>
        <translation>Ninguna plantilla tiene una sección enrollment: con la que crear un código QR.</translation>
    </message>
    <message>
        <source>Making the QR code</source>
        <translation>Creando el código QR</translation>
    </message>
    <message>
        <source>no code to save yet</source>
        <translation>aún no hay ningún código que guardar</translation>
    </message>
    <message>
        <source>Saved {file}</source>
        <translation>Guardado {file}</translation>
    </message>
    <message>
        <source>Saving {file}</source>
        <translation>Guardando {file}</translation>
    </message>
    <message numerus="yes">
        <source>Saved {file}: %n code(s) on {pages}</source>
        <translation>
            <numerusform>Guardado {file}: %n código en {pages}</numerusform>
            <numerusform>Guardado {file}: %n códigos en {pages}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n page(s)</source>
        <translation>
            <numerusform>%n página</numerusform>
            <numerusform>%n páginas</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Sent %n page(s) to {printer}</source>
        <translation>
            <numerusform>%n página enviada a {printer}</numerusform>
            <numerusform>%n páginas enviadas a {printer}</numerusform>
        </translation>
    </message>
    <message>
        <source>the printer</source>
        <translation>la impresora</translation>
    </message>
    <message>
        <source>Printing the sheet</source>
        <translation>Imprimiendo la hoja</translation>
    </message>
    <message>
        <source>choose a template with an enrollment: section first</source>
        <translation>elija primero una plantilla con sección enrollment:</translation>
    </message>
    <message>
        <source>{task} failed: {reason}</source>
        <translation>{task}: error: {reason}</translation>
    </message>
    <message>
        <source>Unexpected error: {error}</source>
        <translation>Error inesperado: {error}</translation>
    </message>
    <message>
        <source>Warning: {warning}</source>
        <translation>Aviso: {warning}</translation>
    </message>
    <message>
        <source>QR code version {version}: ready to print or save.</source>
        <translation>Código QR versión {version}: listo para imprimir o guardar.</translation>
    </message>
    <message>
        <source>Cannot make the code: {reason}</source>
        <translation>No se puede crear el código: {reason}</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Guardar</translation>
    </message>
    <message>
        <source>Cannot make the sheet: {reason}</source>
        <translation>No se puede crear la hoja: {reason}</translation>
    </message>
    <message>
        <source>Planning the sheet</source>
        <translation>Preparando la hoja</translation>
    </message>
</context>
<context>
    <name>HistoryModel</name>
    <message>
        <source>Started</source>
        <translation>Inicio</translation>
    </message>
    <message>
        <source>Slot</source>
        <translation>Puerto</translation>
    </message>
    <message>
        <source>Serial</source>
        <translation>N.º de serie</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modelo</translation>
    </message>
    <message>
        <source>Device name</source>
        <translation>Nombre del dispositivo</translation>
    </message>
    <message>
        <source>IMEI</source>
        <translation>IMEI</translation>
    </message>
    <message>
        <source>Wi-Fi MAC</source>
        <translation>MAC Wi-Fi</translation>
    </message>
    <message>
        <source>Template</source>
        <translation>Plantilla</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Resultado</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Duración</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Operario</translation>
    </message>
    <message>
        <source>Asset tag</source>
        <translation>N.º de inventario</translation>
    </message>
    <message>
        <source>Error</source>
        <translation>Error</translation>
    </message>
    <message>
        <source>any result</source>
        <translation>cualquier resultado</translation>
    </message>
    <message>
        <source>done</source>
        <translation>terminado</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fallido</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>rechazado</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>interrumpido</translation>
    </message>
    <message>
        <source>running</source>
        <translation>en curso</translation>
    </message>
    <message>
        <source>Reading new runs</source>
        <translation>Leyendo ejecuciones nuevas</translation>
    </message>
    <message>
        <source>Reading the history</source>
        <translation>Leyendo el historial</translation>
    </message>
    <message>
        <source>Cannot read history: {problem}</source>
        <translation>No se puede leer el historial: {problem}</translation>
    </message>
</context>
<context>
    <name>HistoryTab</name>
    <message>
        <source>Zero-touch CSV (Google)…</source>
        <translation>CSV de inscripción automática (Google)…</translation>
    </message>
    <message>
        <source>Knox Mobile Enrollment CSV (Samsung)…</source>
        <translation>CSV de Knox Mobile Enrollment (Samsung)…</translation>
    </message>
    <message>
        <source>Esper CSV…</source>
        <translation>CSV de Esper…</translation>
    </message>
    <message>
        <source>Asset register CSV…</source>
        <translation>Inventario en CSV…</translation>
    </message>
    <message>
        <source>Asset register JSON…</source>
        <translation>Inventario en JSON…</translation>
    </message>
    <message>
        <source>a device with no serial</source>
        <translation>un dispositivo sin número de serie</translation>
    </message>
    <message>
        <source>{device} (run {run})</source>
        <translation>{device} (ejecución {run})</translation>
    </message>
    <message>
        <source>IMEI {imei} is not 15 digits with a correct check digit</source>
        <translation>El IMEI {imei} no tiene 15 dígitos con un dígito de control correcto</translation>
    </message>
    <message>
        <source>another device</source>
        <translation>otro dispositivo</translation>
    </message>
    <message>
        <source>IMEI {imei} is also on {other}</source>
        <translation>El IMEI {imei} también está en {other}</translation>
    </message>
    <message>
        <source>no manufacturer</source>
        <translation>sin fabricante</translation>
    </message>
    <message>
        <source>{manufacturer} is not a manufacturer this portal takes</source>
        <translation>{manufacturer} no es un fabricante que admita este portal</translation>
    </message>
    <message>
        <source>no IMEI or MEID, and not serial + model + manufacturer</source>
        <translation>sin IMEI ni MEID, y sin número de serie + modelo + fabricante</translation>
    </message>
    <message>
        <source>Serial</source>
        <translation>N.º de serie</translation>
    </message>
    <message>
        <source>Template name</source>
        <translation>Nombre de plantilla</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>Desde</translation>
    </message>
    <message>
        <source>Filter</source>
        <translation>Filtrar</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Exportar…</translation>
    </message>
    <message>
        <source>History CSV (every run)…</source>
        <translation>Historial en CSV (todas las ejecuciones)…</translation>
    </message>
    <message>
        <source>Select a run to see its steps.</source>
        <translation>Seleccione una ejecución para ver sus pasos.</translation>
    </message>
    <message>
        <source>Exporting…</source>
        <translation>Exportando…</translation>
    </message>
    <message>
        <source>Exporting the history to {file}</source>
        <translation>Exportando el historial a {file}</translation>
    </message>
    <message>
        <source>Export failed</source>
        <translation>La exportación ha fallado</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n run(s) to {file}</source>
        <translation>
            <numerusform>%n ejecución exportada a {file}</numerusform>
            <numerusform>%n ejecuciones exportadas a {file}</numerusform>
        </translation>
    </message>
    <message>
        <source>Exporting {format} to {file}</source>
        <translation>Exportando {format} a {file}</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n device(s) to {file}</source>
        <translation>
            <numerusform>%n dispositivo exportado a {file}</numerusform>
            <numerusform>%n dispositivos exportados a {file}</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Nothing exported: %n row(s) cannot be valid</source>
        <translation>
            <numerusform>Nada exportado: %n fila no puede ser válida</numerusform>
            <numerusform>Nada exportado: %n filas no pueden ser válidas</numerusform>
        </translation>
    </message>
    <message>
        <source>Nothing exported</source>
        <translation>Nada exportado</translation>
    </message>
    <message numerus="yes">
        <source>{file} was not written: %n device(s) cannot be valid for this portal. Fix them, or narrow the filter, then export again.</source>
        <translation>
            <numerusform>{file} no se ha escrito: %n dispositivo no puede ser válido para este portal. Corríjalo o acote el filtro y vuelva a exportar.</numerusform>
            <numerusform>{file} no se ha escrito: %n dispositivos no pueden ser válidos para este portal. Corríjalos o acote el filtro y vuelva a exportar.</numerusform>
        </translation>
    </message>
    <message>
        <source>Export devices</source>
        <translation>Exportar dispositivos</translation>
    </message>
    <message>
        <source>Export history</source>
        <translation>Exportar historial</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Cargando…</translation>
    </message>
    <message>
        <source>{count}+ runs</source>
        <translation>{count}+ ejecuciones</translation>
    </message>
    <message numerus="yes">
        <source>%n run(s)</source>
        <translation>
            <numerusform>%n ejecución</numerusform>
            <numerusform>%n ejecuciones</numerusform>
        </translation>
    </message>
    <message>
        <source>Reading the run&apos;s steps</source>
        <translation>Leyendo los pasos de la ejecución</translation>
    </message>
    <message>
        <source>This run is no longer in the database.</source>
        <translation>Esta ejecución ya no está en la base de datos.</translation>
    </message>
    <message>
        <source>{template} v{version} on {serial} ({model}): {result}</source>
        <translation>{template} v{version} en {serial} ({model}): {result}</translation>
    </message>
    <message>
        <source>error: {error}</source>
        <translation>error: {error}</translation>
    </message>
    <message>
        <source>identity: recorded when the run ends</source>
        <translation>identidad: se registra al terminar la ejecución</translation>
    </message>
    <message>
        <source>identity ({manufacturer}, hardware serial {serial}):</source>
        <translation>identidad ({manufacturer}, n.º de serie del hardware {serial}):</translation>
    </message>
    <message>
        <source>What the device logged when step {number} failed:</source>
        <translation>Lo que registró el dispositivo cuando falló el paso {number}:</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Bench</source>
        <translation>Puesto</translation>
    </message>
    <message>
        <source>Templates</source>
        <translation>Plantillas</translation>
    </message>
    <message>
        <source>History</source>
        <translation>Historial</translation>
    </message>
    <message>
        <source>Enrollment</source>
        <translation>Inscripción</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Ajustes</translation>
    </message>
    <message>
        <source>Data: {folder}</source>
        <translation>Datos: {folder}</translation>
    </message>
    <message>
        <source>Preparing the failure sound</source>
        <translation>Preparando el sonido de fallo</translation>
    </message>
    <message>
        <source>Reading the backend&apos;s releases</source>
        <translation>Leyendo las versiones publicadas del backend</translation>
    </message>
    <message>
        <source>Reading the operator name</source>
        <translation>Leyendo el nombre del operario</translation>
    </message>
    <message>
        <source>Use on bench</source>
        <translation>Usar en el puesto</translation>
    </message>
    <message>
        <source>Saving the operator name</source>
        <translation>Guardando el nombre del operario</translation>
    </message>
    <message>
        <source>Asset tag {tag} assigned</source>
        <translation>N.º de inventario {tag} asignado</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>Deteniendo…</translation>
    </message>
    <message>
        <source>Stopping the station</source>
        <translation>Deteniendo la estación</translation>
    </message>
</context>
<context>
    <name>NeedsYou</name>
    <message>
        <source>Tap Allow on the device</source>
        <translation>Toque «Permitir» en el dispositivo</translation>
    </message>
    <message>
        <source>Turn on USB debugging</source>
        <translation>Active la depuración USB</translation>
    </message>
    <message>
        <source>Failed: select, read why, Retry (F8)</source>
        <translation>Fallido: lea el motivo, Reintentar (F8)</translation>
    </message>
    <message>
        <source>Refused: fix what the tile says, Start (F5)</source>
        <translation>Rechazado: corrija lo indicado, Iniciar (F5)</translation>
    </message>
    <message>
        <source>Not on this order: set aside, ask an admin</source>
        <translation>Fuera del pedido: apártelo, avise al administrador</translation>
    </message>
    <message>
        <source>Unplug: its label prints later</source>
        <translation>Desconecte: su etiqueta sale más tarde</translation>
    </message>
    <message>
        <source>Done: unplug</source>
        <translation>Terminado: desconecte</translation>
    </message>
</context>
<context>
    <name>NeedsYouStrip</name>
    <message>
        <source>Show only the devices that need someone (F6)</source>
        <translation>Mostrar solo los dispositivos que necesitan a alguien (F6)</translation>
    </message>
    <message>
        <source>Nothing waits for anyone</source>
        <translation>Nada espera a nadie</translation>
    </message>
    <message numerus="yes">
        <source>Needs you: %n</source>
        <translation>
            <numerusform>Le espera: %n</numerusform>
            <numerusform>Le esperan: %n</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>OrderBar</name>
    <message>
        <source>Order {number} is complete: {done} of {target} done. Devices run now still count for it; choose the next order when this one ships.</source>
        <translation>El pedido {number} está completo: {done} de {target} terminados. Los dispositivos que se configuren ahora siguen contando para él; elija el siguiente pedido cuando este se envíe.</translation>
    </message>
    <message>
        <source>The kitting order runs are made for; it chooses its template</source>
        <translation>El pedido de preparación para el que se configura; elige su plantilla</translation>
    </message>
    <message>
        <source>Manifest…</source>
        <translation>Manifiesto…</translation>
    </message>
    <message>
        <source>Save the order&apos;s manifest as PDF and CSV</source>
        <translation>Guardar el manifiesto del pedido en PDF y CSV</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>Pedido</translation>
    </message>
    <message>
        <source>No order</source>
        <translation>Sin pedido</translation>
    </message>
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>Admin PIN</source>
        <translation>PIN de administrador</translation>
    </message>
    <message>
        <source>“{what}” is for an admin.
Enter the admin PIN:</source>
        <translation>«{what}» es para un administrador.
Introduzca el PIN de administrador:</translation>
    </message>
    <message>
        <source>Enter the admin PIN:</source>
        <translation>Introduzca el PIN de administrador:</translation>
    </message>
</context>
<context>
    <name>PinSettings</name>
    <message>
        <source>Admin lock</source>
        <translation>Bloqueo de administrador</translation>
    </message>
    <message>
        <source>Set PIN</source>
        <translation>Fijar PIN</translation>
    </message>
    <message>
        <source>Remove PIN</source>
        <translation>Quitar PIN</translation>
    </message>
    <message>
        <source>new PIN, 4-12 digits</source>
        <translation>PIN nuevo, 4-12 dígitos</translation>
    </message>
    <message>
        <source>the PIN again</source>
        <translation>el PIN otra vez</translation>
    </message>
    <message>
        <source>Settings are locked: an admin unlocks them.</source>
        <translation>Los ajustes están bloqueados: los desbloquea un administrador.</translation>
    </message>
    <message>
        <source>Unlock…</source>
        <translation>Desbloquear…</translation>
    </message>
    <message>
        <source>Set the admin PIN</source>
        <translation>Fijar el PIN de administrador</translation>
    </message>
    <message>
        <source>Remove the admin PIN</source>
        <translation>Quitar el PIN de administrador</translation>
    </message>
    <message>
        <source>Change settings</source>
        <translation>Cambiar los ajustes</translation>
    </message>
    <message>
        <source>No admin PIN: nothing is locked.</source>
        <translation>Sin PIN de administrador: no hay nada bloqueado.</translation>
    </message>
    <message numerus="yes">
        <source>A PIN guards the template and order, Settings, Force re-run and letting in devices not on the order. It locks again after %n idle minute(s).</source>
        <translation>
            <numerusform>Un PIN protege la plantilla y el pedido, los ajustes, «Forzar de nuevo» y admitir dispositivos que no están en el pedido. Se vuelve a bloquear tras %n minuto de inactividad.</numerusform>
            <numerusform>Un PIN protege la plantilla y el pedido, los ajustes, «Forzar de nuevo» y admitir dispositivos que no están en el pedido. Se vuelve a bloquear tras %n minutos de inactividad.</numerusform>
        </translation>
    </message>
    <message>
        <source>Not set: {reason}</source>
        <translation>No fijado: {reason}</translation>
    </message>
    <message>
        <source>Not set: the two PINs differ</source>
        <translation>No fijado: los dos PIN no coinciden</translation>
    </message>
    <message>
        <source>Setting the PIN…</source>
        <translation>Fijando el PIN…</translation>
    </message>
    <message>
        <source>Setting the admin PIN</source>
        <translation>Fijando el PIN de administrador</translation>
    </message>
    <message>
        <source>PIN set. Admin actions ask for it once the window locks.</source>
        <translation>PIN fijado. Las acciones de administrador lo pedirán cuando la ventana se bloquee.</translation>
    </message>
    <message>
        <source>Not removed: {reason}</source>
        <translation>No quitado: {reason}</translation>
    </message>
    <message>
        <source>Removing the admin PIN</source>
        <translation>Quitando el PIN de administrador</translation>
    </message>
    <message>
        <source>PIN removed: nothing is locked.</source>
        <translation>PIN quitado: no hay nada bloqueado.</translation>
    </message>
</context>
<context>
    <name>Reasons</name>
    <message>
        <source>the battery check</source>
        <translation>la comprobación de la batería</translation>
    </message>
    <message>
        <source>reading the device&apos;s identity</source>
        <translation>la lectura de la identidad del dispositivo</translation>
    </message>
    <message>
        <source>step {number} ({name})</source>
        <translation>el paso {number} ({name})</translation>
    </message>
    <message>
        <source>Not an Android device</source>
        <translation>No es un dispositivo Android</translation>
    </message>
    <message>
        <source>Android {release} (SDK {sdk}) is too old: the template needs SDK {needed} or newer</source>
        <translation>Android {release} (SDK {sdk}) es demasiado antiguo: la plantilla necesita SDK {needed} o posterior</translation>
    </message>
    <message>
        <source>Android {release} (SDK {sdk}) is too new: the template allows up to SDK {allowed}</source>
        <translation>Android {release} (SDK {sdk}) es demasiado reciente: la plantilla admite hasta SDK {allowed}</translation>
    </message>
    <message>
        <source>The model {model} is not one of {listed}</source>
        <translation>El modelo {model} no es ninguno de {listed}</translation>
    </message>
    <message>
        <source>The manufacturer {manufacturer} is not one of {listed}</source>
        <translation>El fabricante {manufacturer} no es ninguno de {listed}</translation>
    </message>
    <message>
        <source>The device does not report its battery level</source>
        <translation>El dispositivo no informa de su nivel de batería</translation>
    </message>
    <message>
        <source>The battery level cannot be read: {device}</source>
        <translation>No se puede leer el nivel de batería: {device}</translation>
    </message>
    <message>
        <source>Battery {level}%: charge it to {needed}% first</source>
        <translation>Batería al {level} %: cárguela primero hasta el {needed} %</translation>
    </message>
    <message>
        <source>Cannot read {file}: {system}</source>
        <translation>No se puede leer {file}: {system}</translation>
    </message>
    <message>
        <source>{file} is not an APK Android can install: {detail}</source>
        <translation>{file} no es un APK que Android pueda instalar: {detail}</translation>
    </message>
    <message>
        <source>{file} has no splits/*.apk (built with --mode=universal or for Android before 5?): install its APK directly</source>
        <translation>{file} no contiene splits/*.apk (¿creado con --mode=universal o para Android anterior a 5?): instale su APK directamente</translation>
    </message>
    <message>
        <source>{file} is not a readable .apks archive: {detail}</source>
        <translation>{file} no es un archivo .apks legible: {detail}</translation>
    </message>
    <message>
        <source>{file} does not match its pinned sha256</source>
        <translation>{file} no coincide con su sha256 fijado</translation>
    </message>
    <message>
        <source>{file} holds {package}, not {wanted}</source>
        <translation>{file} contiene {package}, no {wanted}</translation>
    </message>
    <message>
        <source>A split set needs exactly one base APK; {file} has {count}</source>
        <translation>Un conjunto dividido necesita exactamente un APK base; {file} tiene {count}</translation>
    </message>
    <message>
        <source>{file} is {package} {version}, not {base_package} {base_version} as the base</source>
        <translation>{file} es {package} {version}, no {base_package} {base_version} como la base</translation>
    </message>
    <message>
        <source>{package} {installed} is installed, newer than {version}; the template must say downgrade: true</source>
        <translation>{package} {installed} está instalado, más reciente que {version}; la plantilla debe indicar downgrade: true</translation>
    </message>
    <message>
        <source>{package} needs Android SDK {needed}; this device runs SDK {sdk}</source>
        <translation>{package} necesita Android SDK {needed}; este dispositivo tiene SDK {sdk}</translation>
    </message>
    <message>
        <source>Android refused the installation: {android}</source>
        <translation>Android rechazó la instalación: {android}</translation>
    </message>
    <message>
        <source>Android refused the removal: {android}</source>
        <translation>Android rechazó la desinstalación: {android}</translation>
    </message>
    <message>
        <source>Android would not list the apps: {android}</source>
        <translation>Android no quiso listar las aplicaciones: {android}</translation>
    </message>
    <message>
        <source>Android would not enable {package}: {android}</source>
        <translation>Android no quiso activar {package}: {android}</translation>
    </message>
    <message>
        <source>Android would not disable {package}: {android}</source>
        <translation>Android no quiso desactivar {package}: {android}</translation>
    </message>
    <message>
        <source>Android would not grant {permission}: {android}</source>
        <translation>Android no quiso conceder {permission}: {android}</translation>
    </message>
    <message>
        <source>Android would not read the setting: {android}</source>
        <translation>Android no quiso leer el ajuste: {android}</translation>
    </message>
    <message>
        <source>Android would not change the setting: {android}</source>
        <translation>Android no quiso cambiar el ajuste: {android}</translation>
    </message>
    <message>
        <source>Android would not set the time zone: {android}</source>
        <translation>Android no quiso fijar la zona horaria: {android}</translation>
    </message>
    <message>
        <source>Wi-Fi setup needs Android 11 or newer; this device runs Android {release}</source>
        <translation>La configuración wifi necesita Android 11 o posterior; este dispositivo tiene Android {release}</translation>
    </message>
    <message>
        <source>The device did not join {ssid}: {android}</source>
        <translation>El dispositivo no se unió a {ssid}: {android}</translation>
    </message>
    <message>
        <source>Android refused the device owner: {android}</source>
        <translation>Android rechazó el propietario del dispositivo: {android}</translation>
    </message>
    <message>
        <source>The device did not finish booting within {seconds} s</source>
        <translation>El dispositivo no terminó de arrancar en {seconds} s</translation>
    </message>
    <message>
        <source>The command ended with exit status {status}: {android}</source>
        <translation>El comando terminó con el estado de salida {status}: {android}</translation>
    </message>
    <message>
        <source>The template&apos;s expect {pattern} is not a valid pattern: {detail}</source>
        <translation>El expect {pattern} de la plantilla no es un patrón válido: {detail}</translation>
    </message>
    <message>
        <source>The command&apos;s output does not match {pattern}</source>
        <translation>La salida del comando no coincide con {pattern}</translation>
    </message>
    <message>
        <source>Not an Android device: the {action} step needs Android</source>
        <translation>No es un dispositivo Android: el paso {action} necesita Android</translation>
    </message>
    <message>
        <source>The device did not answer in time: {device}</source>
        <translation>El dispositivo no respondió a tiempo: {device}</translation>
    </message>
    <message>
        <source>The device refused: {device}</source>
        <translation>El dispositivo se negó: {device}</translation>
    </message>
    <message>
        <source>A placeholder cannot be filled in: {detail}</source>
        <translation>No se puede rellenar un marcador: {detail}</translation>
    </message>
    <message>
        <source>The device did not keep the provisioned marker</source>
        <translation>El dispositivo no conservó la marca de configurado</translation>
    </message>
    <message>
        <source>{package} is not installed</source>
        <translation>{package} no está instalado</translation>
    </message>
    <message>
        <source>{package} is version {found}, older than {wanted}</source>
        <translation>{package} tiene la versión {found}, anterior a {wanted}</translation>
    </message>
    <message>
        <source>{setting} cannot be read: exit status {status}</source>
        <translation>No se puede leer {setting}: estado de salida {status}</translation>
    </message>
    <message>
        <source>{setting} is {found}, not {wanted}</source>
        <translation>{setting} es {found}, no {wanted}</translation>
    </message>
    <message>
        <source>{name} is unset, not {wanted}</source>
        <translation>{name} no está definido, no es {wanted}</translation>
    </message>
    <message>
        <source>{name} is {found}, not {wanted}</source>
        <translation>{name} es {found}, no {wanted}</translation>
    </message>
    <message>
        <source>{name} is unset, not a number</source>
        <translation>{name} no está definido, no es un número</translation>
    </message>
    <message>
        <source>{name} is {found}, not a number</source>
        <translation>{name} es {found}, no es un número</translation>
    </message>
    <message>
        <source>{name} is {found}, below {wanted}</source>
        <translation>{name} es {found}, por debajo de {wanted}</translation>
    </message>
    <message>
        <source>Still waiting after {seconds} s: {conditions}</source>
        <translation>Sigue esperando tras {seconds} s: {conditions}</translation>
    </message>
    <message>
        <source>Done in an earlier run</source>
        <translation>Hecho en una ejecución anterior</translation>
    </message>
    <message>
        <source>Not an Android device: no marker kept, so it runs in full next time</source>
        <translation>No es un dispositivo Android: no se guarda la marca, así que la próxima vez se ejecuta completo</translation>
    </message>
    <message>
        <source>Stopped by the operator</source>
        <translation>Detenido por el operador</translation>
    </message>
    <message>
        <source>Optional, not done: {reason}</source>
        <translation>Opcional, no hecho: {reason}</translation>
    </message>
    <message>
        <source>Internal error (the log has the details): {detail}</source>
        <translation>Error interno (el registro tiene los detalles): {detail}</translation>
    </message>
    <message>
        <source>The device could not be reached: {device}</source>
        <translation>No se pudo contactar con el dispositivo: {device}</translation>
    </message>
    <message>
        <source>{where} failed: {reason}</source>
        <translation>Falló {where}: {reason}</translation>
    </message>
    <message>
        <source>Stopped during {where}</source>
        <translation>Detenido durante {where}</translation>
    </message>
    <message>
        <source>Disconnected during {where}</source>
        <translation>Desconectado durante {where}</translation>
    </message>
    <message>
        <source>No longer allowed during {where}: tap Allow on the device</source>
        <translation>Ya no está permitido durante {where}: toque «Permitir» en el dispositivo</translation>
    </message>
    <message>
        <source>The device answered with garbage during {where}</source>
        <translation>El dispositivo respondió con datos ilegibles durante {where}</translation>
    </message>
    <message>
        <source>Stopped before it started</source>
        <translation>Detenido antes de empezar</translation>
    </message>
    <message>
        <source>Unplugged before it started</source>
        <translation>Desconectado antes de empezar</translation>
    </message>
    <message>
        <source>The station was shutting down</source>
        <translation>La estación se estaba cerrando</translation>
    </message>
    <message>
        <source>The device could not be reached</source>
        <translation>No se pudo contactar con el dispositivo</translation>
    </message>
    <message>
        <source>The device disconnected</source>
        <translation>El dispositivo se desconectó</translation>
    </message>
    <message>
        <source>No longer allowed: tap Allow on the device</source>
        <translation>Ya no está permitido: toque «Permitir» en el dispositivo</translation>
    </message>
    <message>
        <source>The device answered with garbage</source>
        <translation>El dispositivo respondió con datos ilegibles</translation>
    </message>
    <message>
        <source>The station could not record the run</source>
        <translation>La estación no pudo registrar la ejecución</translation>
    </message>
    <message>
        <source>No {{seq}} number left: backend offline</source>
        <translation>No quedan números {{seq}}: backend sin conexión</translation>
    </message>
    <message>
        <source>Internal error (the log has the details)</source>
        <translation>Error interno (el registro tiene los detalles)</translation>
    </message>
    <message>
        <source>The step failed</source>
        <translation>El paso falló</translation>
    </message>
    <message>
        <source>Port map not used: {problem}</source>
        <translation>Mapa de puertos sin usar: {problem}</translation>
    </message>
    <message>
        <source>Labels not printed: label.auto_print is on, but no label.printer is set</source>
        <translation>No se imprimen etiquetas: label.auto_print está activado, pero no hay label.printer</translation>
    </message>
    <message>
        <source>Labels not printed: {problem}</source>
        <translation>No se imprimen etiquetas: {problem}</translation>
    </message>
    <message>
        <source>the label printer {printer} is off or unreachable</source>
        <translation>la impresora de etiquetas {printer} está apagada o no se puede alcanzar</translation>
    </message>
    <message>
        <source>the label printer {printer} did not take the label in time</source>
        <translation>la impresora de etiquetas {printer} no aceptó la etiqueta a tiempo</translation>
    </message>
    <message>
        <source>labels cannot be written to {printer}</source>
        <translation>no se pueden escribir etiquetas en {printer}</translation>
    </message>
    <message>
        <source>CUPS refused the label for {printer}</source>
        <translation>CUPS rechazó la etiqueta para {printer}</translation>
    </message>
    <message>
        <source>CUPS is not installed (no lp command) for {printer}</source>
        <translation>CUPS no está instalado (no hay orden lp) para {printer}</translation>
    </message>
</context>
<context>
    <name>SettingsTab</name>
    <message>
        <source>Open</source>
        <translation>Abrir</translation>
    </message>
    <message>
        <source>ed25519:… (one publisher key per line)</source>
        <translation>ed25519:… (una clave de editor por línea)</translation>
    </message>
    <message>
        <source>Install releases nobody signed (not recommended)</source>
        <translation>Instalar versiones sin firma (no recomendado)</translation>
    </message>
    <message>
        <source>Map plugged-in devices in order</source>
        <translation>Asignar en orden los dispositivos conectados</translation>
    </message>
    <message>
        <source>automatic</source>
        <translation>automático</translation>
    </message>
    <message>
        <source>as the bus allows</source>
        <translation>lo que permita el bus</translation>
    </message>
    <message>
        <source>light</source>
        <translation>claro</translation>
    </message>
    <message>
        <source>dark</source>
        <translation>oscuro</translation>
    </message>
    <message>
        <source>System</source>
        <translation>Sistema</translation>
    </message>
    <message>
        <source>Sound when a device fails</source>
        <translation>Sonido cuando falla un dispositivo</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>Guardar</translation>
    </message>
    <message>
        <source>Station</source>
        <translation>Estación</translation>
    </message>
    <message>
        <source>Station name</source>
        <translation>Nombre de la estación</translation>
    </message>
    <message>
        <source>Operator</source>
        <translation>Operario</translation>
    </message>
    <message>
        <source>Data directory</source>
        <translation>Carpeta de datos</translation>
    </message>
    <message>
        <source>Station name applies at the next launch.</source>
        <translation>El nombre de la estación se aplica en el próximo inicio.</translation>
    </message>
    <message>
        <source>Fleet backend</source>
        <translation>Backend de la flota</translation>
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
        <translation>Canal de versiones</translation>
    </message>
    <message>
        <source>Trusted publisher keys</source>
        <translation>Claves de editor de confianza</translation>
    </message>
    <message>
        <source>Bench</source>
        <translation>Puesto</translation>
    </message>
    <message>
        <source>Port map (PORT: LABEL per line)</source>
        <translation>Mapa de puertos (PUERTO: NOMBRE por línea)</translation>
    </message>
    <message>
        <source>Devices at once</source>
        <translation>Dispositivos a la vez</translation>
    </message>
    <message>
        <source>Transfers per USB bus</source>
        <translation>Transferencias por bus USB</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Idioma</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Tema</translation>
    </message>
    <message>
        <source>Port map, limits and language apply at the next launch.</source>
        <translation>El mapa de puertos, los límites y el idioma se aplican en el próximo inicio.</translation>
    </message>
    <message>
        <source>Reading the port map</source>
        <translation>Leyendo el mapa de puertos</translation>
    </message>
    <message>
        <source>Save the settings</source>
        <translation>Guardar los ajustes</translation>
    </message>
    <message>
        <source>Not saved: {problem}</source>
        <translation>No guardado: {problem}</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>Guardando…</translation>
    </message>
    <message>
        <source>Saving the settings</source>
        <translation>Guardando los ajustes</translation>
    </message>
    <message>
        <source>Port map not used until fixed: {problem}</source>
        <translation>El mapa de puertos no se usa hasta corregirlo: {problem}</translation>
    </message>
    <message>
        <source>Cannot read the port map: {problem}</source>
        <translation>No se puede leer el mapa de puertos: {problem}</translation>
    </message>
    <message>
        <source>Cannot read the settings: {problem}</source>
        <translation>No se pueden leer los ajustes: {problem}</translation>
    </message>
    <message>
        <source>Reading the settings</source>
        <translation>Leyendo los ajustes</translation>
    </message>
    <message>
        <source>•••• (set; type to replace)</source>
        <translation>•••• (definido; escriba para sustituirlo)</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>sin definir</translation>
    </message>
    <message>
        <source>Saved.</source>
        <translation>Guardado.</translation>
    </message>
    <message>
        <source>Releases are installed only when a trusted key signed them.</source>
        <translation>Las versiones solo se instalan si las firmó una clave de confianza.</translation>
    </message>
    <message>
        <source>Releases are installed unchecked: no key is trusted and unsigned releases are allowed.</source>
        <translation>Las versiones se instalan sin comprobar: no hay ninguna clave de confianza y se permiten versiones sin firma.</translation>
    </message>
    <message>
        <source>No trusted publisher key: releases from the backend are not installed. Add the key your CI signs with.</source>
        <translation>No hay ninguna clave de editor de confianza: las versiones del backend no se instalan. Añada la clave con la que firma su CI.</translation>
    </message>
</context>
<context>
    <name>Sheet</name>
    <message>
        <source>codes print at {size} mm a module (under {smallest} mm): fewer codes a page (--per-page) scan more reliably</source>
        <translation>los códigos se imprimen a {size} mm por módulo (menos de {smallest} mm): con menos códigos por página (--per-page) se escanean mejor</translation>
    </message>
    <message>
        <source>Printed {date} by Kitbench</source>
        <translation>Impreso el {date} por Kitbench</translation>
    </message>
    <message>
        <source>Page {number} of {total}</source>
        <translation>Página {number} de {total}</translation>
    </message>
</context>
<context>
    <name>SyncLabel</name>
    <message>
        <source>sync: —</source>
        <translation>sinc.: —</translation>
    </message>
    <message>
        <source>synced</source>
        <translation>sincronizado</translation>
    </message>
    <message numerus="yes">
        <source>offline since {time} · %Ln waiting to sync</source>
        <translation>
            <numerusform>sin conexión desde las {time} · %Ln por sincronizar</numerusform>
            <numerusform>sin conexión desde las {time} · %Ln por sincronizar</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln waiting to sync</source>
        <translation>
            <numerusform>%Ln por sincronizar</numerusform>
            <numerusform>%Ln por sincronizar</numerusform>
        </translation>
    </message>
    <message>
        <source>sync error: {problem}</source>
        <translation>error de sincronización: {problem}</translation>
    </message>
    <message>
        <source>sync: {status}</source>
        <translation>sinc.: {status}</translation>
    </message>
</context>
<context>
    <name>TaskManager</name>
    <message>
        <source>{task} failed: {reason}</source>
        <translation>{task}: error: {reason}</translation>
    </message>
</context>
<context>
    <name>TemplateLibrary</name>
    <message>
        <source>Reading the templates</source>
        <translation>Leyendo las plantillas</translation>
    </message>
    <message>
        <source>{file} (invalid)</source>
        <translation>{file} (no válida)</translation>
    </message>
</context>
<context>
    <name>TemplatesTab</name>
    <message>
        <source>not installed: this station trusts no publisher key (Settings)</source>
        <translation>no instalada: esta estación no confía en ninguna clave de editor (Ajustes)</translation>
    </message>
    <message>
        <source>refused: not signed, and this station needs a signature</source>
        <translation>rechazada: sin firma, y esta estación exige una firma</translation>
    </message>
    <message>
        <source>refused: signed by a key this station does not trust</source>
        <translation>rechazada: firmada con una clave en la que esta estación no confía</translation>
    </message>
    <message>
        <source>refused: its signature does not match</source>
        <translation>rechazada: su firma no coincide</translation>
    </message>
    <message>
        <source>refused: its manifest is damaged</source>
        <translation>rechazada: su manifiesto está dañado</translation>
    </message>
    <message>
        <source>refused: {file} does not match its published hash</source>
        <translation>rechazada: {file} no coincide con su hash publicado</translation>
    </message>
    <message>
        <source>refused: the backend does not have {file}</source>
        <translation>rechazada: el backend no tiene {file}</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>Abrir carpeta</translation>
    </message>
    <message>
        <source>Reload</source>
        <translation>Recargar</translation>
    </message>
    <message>
        <source>Use on bench</source>
        <translation>Usar en el puesto</translation>
    </message>
    <message>
        <source>Releases from the backend:</source>
        <translation>Versiones del backend:</translation>
    </message>
    <message>
        <source>Folder: {folders}</source>
        <translation>Carpeta: {folders}</translation>
    </message>
    <message>
        <source>No templates yet. Put YAML templates in the folder above, then Reload.</source>
        <translation>Aún no hay plantillas. Ponga plantillas YAML en la carpeta de arriba y pulse Recargar.</translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;{file}&lt;/b&gt; ({origin}) is invalid: %n error(s).</source>
        <translation>
            <numerusform>&lt;b&gt;{file}&lt;/b&gt; ({origin}) no es válida: %n error.</numerusform>
            <numerusform>&lt;b&gt;{file}&lt;/b&gt; ({origin}) no es válida: %n errores.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;{name}&lt;/b&gt; version {version} ({origin}) — %n step(s)</source>
        <translation>
            <numerusform>&lt;b&gt;{name}&lt;/b&gt; versión {version} ({origin}) — %n paso</numerusform>
            <numerusform>&lt;b&gt;{name}&lt;/b&gt; versión {version} ({origin}) — %n pasos</numerusform>
        </translation>
    </message>
    <message>
        <source>✓ {release}: ready</source>
        <translation>✓ {release}: lista</translation>
    </message>
    <message>
        <source>✓ {release}: ready, unsigned</source>
        <translation>✓ {release}: lista, sin firma</translation>
    </message>
    <message>
        <source>↓ {release}: downloading {done}/{total} files, {bytes} of {size}</source>
        <translation>↓ {release}: descargando {done}/{total} archivos, {bytes} de {size}</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>rechazada</translation>
    </message>
    <message>
        <source>a file</source>
        <translation>un archivo</translation>
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
        <translation>del backend de la flota</translation>
    </message>
    <message>
        <source>local</source>
        <translation>local</translation>
    </message>
</context>
<context>
    <name>TileDelegate</name>
    <message>
        <source>Retry</source>
        <translation>Repetir</translation>
    </message>
    <message>
        <source>Unplug</source>
        <translation>Desconectar</translation>
    </message>
    <message>
        <source>Held back</source>
        <translation>Retenido</translation>
    </message>
    <message>
        <source>USB debug</source>
        <translation>Depur. USB</translation>
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
        <translation>Conectando</translation>
    </message>
    <message>
        <source>No USB debugging</source>
        <translation>Sin depuración USB</translation>
    </message>
    <message>
        <source>Tap Allow</source>
        <translation>«Permitir»</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Listo</translation>
    </message>
    <message>
        <source>Working</source>
        <translation>En curso</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Terminado</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fallido</translation>
    </message>
    <message>
        <source>Refused</source>
        <translation>Rechazado</translation>
    </message>
    <message>
        <source>Unplugged</source>
        <translation>Desconectado</translation>
    </message>
    <message>
        <source>Connection lost</source>
        <translation>Conexión perdida</translation>
    </message>
    <message>
        <source>No longer allowed: tap Allow on the device</source>
        <translation>Ya no está permitido: toque «Permitir» en el dispositivo</translation>
    </message>
    <message>
        <source>The device answered with garbage</source>
        <translation>El dispositivo respondió con datos ilegibles</translation>
    </message>
    <message>
        <source>The device stopped answering</source>
        <translation>El dispositivo dejó de responder</translation>
    </message>
    <message>
        <source>The device refused the connection</source>
        <translation>El dispositivo rechazó la conexión</translation>
    </message>
    <message>
        <source>Turn on USB debugging (Settings › Developer options)</source>
        <translation>Active la depuración USB (Ajustes › Opciones para desarrolladores)</translation>
    </message>
    <message>
        <source>Already provisioned with {template} v{version}</source>
        <translation>Ya configurado con {template} v{version}</translation>
    </message>
    <message>
        <source>Not on this order ({order}): ask an admin</source>
        <translation>No está en este pedido ({order}): avise a un administrador</translation>
    </message>
    <message>
        <source>No {{seq}} number of {series} left: backend offline</source>
        <translation>No quedan números {{seq}} de {series}: backend sin conexión</translation>
    </message>
    <message>
        <source>No longer watched</source>
        <translation>Ya no se vigila</translation>
    </message>
    <message>
        <source>Waiting to start {template}</source>
        <translation>Esperando para iniciar {template}</translation>
    </message>
    <message>
        <source>{step}: {status} — {said}</source>
        <translation>{step}: {status} — {said}</translation>
    </message>
    <message>
        <source>attempt {number} failed: {reason}</source>
        <translation>intento {number} fallido: {reason}</translation>
    </message>
    <message>
        <source>The data folder {folder} is full: free space there (or point KITBENCH_HOME at a bigger disk), then start again.</source>
        <translation>La carpeta de datos {folder} está llena: libere espacio en ella (o apunte KITBENCH_HOME a un disco mayor) y vuelva a iniciar.</translation>
    </message>
    <message>
        <source>Kitbench cannot write to its data folder {folder}: make it writable for the user running Kitbench (or point KITBENCH_HOME at a folder that is), then start again.</source>
        <translation>Kitbench no puede escribir en su carpeta de datos {folder}: dé permiso de escritura al usuario que ejecuta Kitbench (o apunte KITBENCH_HOME a una carpeta que lo tenga) y vuelva a iniciar.</translation>
    </message>
    <message>
        <source>The station database in {folder} is locked by another program: close it (another Kitbench, a backup or a database browser holding kitbench.db), then start again.</source>
        <translation>La base de datos de la estación en {folder} está bloqueada por otro programa: ciérrelo (otro Kitbench, una copia de seguridad o un visor de bases de datos que tenga abierto kitbench.db) y vuelva a iniciar.</translation>
    </message>
    <message>
        <source>The station database in {folder} is damaged: move kitbench.db out of that folder (keep it for recovery; Kitbench starts a new one), then start again.</source>
        <translation>La base de datos de la estación en {folder} está dañada: saque kitbench.db de esa carpeta (guárdelo para recuperarlo; Kitbench crea una nueva) y vuelva a iniciar.</translation>
    </message>
    <message>
        <source>starting…</source>
        <translation>iniciando…</translation>
    </message>
    <message>
        <source>step {number}/{total}: {name}</source>
        <translation>paso {number}/{total}: {name}</translation>
    </message>
    <message>
        <source>Unplug · label waits</source>
        <translation>Desconectar · etiqueta en espera</translation>
    </message>
    <message>
        <source>Unplug</source>
        <translation>Desconectar</translation>
    </message>
    <message>
        <source>Tap Allow on the device</source>
        <translation>Toque «Permitir» en el dispositivo</translation>
    </message>
    <message>
        <source>Turn on USB debugging</source>
        <translation>Active la depuración USB</translation>
    </message>
    <message>
        <source>Press Start (F5)</source>
        <translation>Pulse Iniciar (F5)</translation>
    </message>
</context>
</TS>

"""Device labels: a layout in millimetres, ZPL for Zebra printers, the printers themselves
(raw TCP 9100, a file, a CUPS raw queue) and a queue that retries a printer that is away.

No Qt here: the PDF label is drawn by `app.ui.label_pdf`.
"""

; Inno Setup 6 script: the Windows installer for Kitbench, made from the PyInstaller bundle.
;
; On a Windows build machine, from the repository root:
;   pip install .[dist]
;   pyinstaller --noconfirm --distpath dist --workpath build\pyinstaller installer\kitbench.spec
;   iscc /DAppVersion=0.1.0 installer\windows\kitbench.iss
; gives dist\kitbench-0.1.0-setup.exe (pass the version of app/__init__.py).
;
; It installs the bundle folder under Program Files, a Start menu entry and (if ticked) a
; desktop shortcut, both starting the windowed kitbench-gui.exe. kitbench.exe beside it is the
; command line. USB devices also need a WinUSB driver: see docs/admin-guide.md.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z installer\windows\kitbench.iss
#endif
#define Bundle "..\..\dist\kitbench"

[Setup]
AppId={{5E0C6C52-8B7E-4D3A-9F1B-2A64C1D7E930}
AppName=Kitbench
AppVersion={#AppVersion}
AppVerName=Kitbench {#AppVersion}
AppPublisher=Kitbench
DefaultDirName={autopf}\Kitbench
DefaultGroupName=Kitbench
DisableProgramGroupPage=yes
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=kitbench-{#AppVersion}-setup
SetupIconFile={#Bundle}\_internal\resources\icons\kitbench.ico
UninstallDisplayIcon={app}\kitbench-gui.exe
Compression=lzma2
SolidCompression=yes
WizardStyle=modern

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Kitbench"; Filename: "{app}\kitbench-gui.exe"; Comment: "Provision Android devices from a bench of USB hubs"
Name: "{group}\Uninstall Kitbench"; Filename: "{uninstallexe}"
Name: "{autodesktop}\Kitbench"; Filename: "{app}\kitbench-gui.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\kitbench-gui.exe"; Description: "{cm:LaunchProgram,Kitbench}"; Flags: nowait postinstall skipifsilent

"""Android Enterprise provisioning payloads, QR codes and sheets."""

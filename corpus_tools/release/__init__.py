"""Versioned, reproducible dataset releases: build (``build``), compare (``changelog``),
check (``verify``) and publish (``publish``) ``releases/vX.Y.Z/`` folders.

Modules import their heavy dependencies (pyarrow, datasets) themselves, so importing this
package stays cheap.
"""

"""The classroom dashboard: strategies side by side in a browser (`lftm dashboard`).

Built like Mesa's own examples: a wrapper model (`model.SideBySide`) holding one
`SystemModel` per strategy on the same system and seed, matplotlib components
(`components`), the controls derived from the parameter declarations (`controls`), and
`app.py` with the module-level `page` that `solara run` serves. Importing this package is
light; the visualisation stack (the `viz` extra) is imported by `app` and `components` only.
"""

"""The printed registration form (考生报名登记表): font chain, A4 layout, printing service.

``fonts`` picks a font per character (reportlab has no glyph fallback), ``content`` says what a
form shows, ``layout`` draws it, ``qr`` is the QR text format, ``service`` prints, stores and
verifies forms against the database.
"""

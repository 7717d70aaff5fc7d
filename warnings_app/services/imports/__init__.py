"""Import of companies and contacts from CSV and XLSX files.

read.py turns bytes into rows (encodings, XLSX, limits), validate.py turns rows into clean
records and problems (with the register's own form rules), plan.py compares the records with the
register and says what each row will do. The service warnings_app.services.imports.companies writes.
"""

"""The REST API at /api/v1/: the same reads and the same service calls as the pages, for
integrations (matter management, CRM). Routes in `urls.py`; who may do what in `permissions.py`."""

"""The demo: two seeded clinics with staff and synthetic patients (`make demo`, `manage.py seed_demo`).

It sits at the top of the layer order with the API and the URLs: `seed.py` builds every app's demo data
through each app's own `demo.py`.
"""

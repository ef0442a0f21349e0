"""The lab's pages, one render function per file (see ``dashboard/navigation.py``).

The folder is not called ``pages/``: Streamlit treats a ``pages/`` folder beside the entry
script as an old-style multipage app and serves ``/train`` by running ``pages/train.py`` as a
script, which bypasses ``st.navigation`` (seen here with Streamlit 1.67: a blank page).
"""

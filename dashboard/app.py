"""SSL Lab: the Streamlit entry point. It only routes; each page is one render function."""

import streamlit as st

from dashboard.navigation import all_pages

st.set_page_config(page_title="SSL Lab", page_icon=":material/science:", layout="wide")
st.navigation(all_pages()).run()

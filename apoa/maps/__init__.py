"""Maps: the only package importing folium (issue 5)."""

"""The administration carries the product's name (Django's default says "Django
administration"). Set here once: Django loads every installed app's admin module at start."""

from django.contrib import admin

admin.site.site_header = "BRM Portal administration"
admin.site.site_title = "BRM Portal"
admin.site.index_title = "Administration"

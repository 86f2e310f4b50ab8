from django import template

from config.formats import format_day, format_rub

register = template.Library()
register.filter("rub", format_rub)
register.filter("day", format_day)

"""Panel forms for orders and subscriptions. They only parse the input; the rules (seat
bounds, funds, states) live in orders.services and come back as ApplicationError."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Client
from config.forms import SeatsField
from plans.models import ResellerPlan

from .models import OrderStatus, SubscriptionStatus


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ResellerPlan) -> str:  # type: ignore[override]
        vendor = obj.vendor_plan
        return _("%(name)s (от %(min)s до %(max)s мест)") % {
            "name": vendor.name,
            "min": vendor.min_seats,
            "max": vendor.max_seats,
        }


class OrderForm(forms.Form):
    """S5-S6. The seats are bounded by the chosen plan (order_create checks them again)."""

    client = forms.ModelChoiceField(label=_("Клиент"), queryset=Client.objects.none())
    reseller_plan = PlanChoiceField(label=_("Тарифный план"), queryset=ResellerPlan.objects.none())
    seats = SeatsField(label=_("Количество лицензий (рабочих мест)"))

    def __init__(
        self,
        *args,
        clients: QuerySet[Client],
        plans: QuerySet[ResellerPlan],
        plan: ResellerPlan | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients  # type: ignore[attr-defined]
        self.fields["reseller_plan"].queryset = plans  # type: ignore[attr-defined]
        if plan is not None:
            vendor = plan.vendor_plan
            self.fields["seats"].set_bounds(vendor.min_seats, vendor.max_seats)  # type: ignore[attr-defined]
            self.fields["seats"].help_text = _(
                "Минимальное количество лицензий включено автоматически; "
                "можно указать от %(min)s до %(max)s."
            ) % {"min": vendor.min_seats, "max": vendor.max_seats}


class SeatChangeForm(forms.Form):
    """S11. The seats are bounded by the plan (seat_change_request checks them again)."""

    seats = SeatsField(label=_("Новое количество рабочих мест"))

    def __init__(self, *args, min_seats: int, max_seats: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seats"].set_bounds(min_seats, max_seats)  # type: ignore[attr-defined]
        self.fields["seats"].help_text = _("От %(min)s до %(max)s.") % {
            "min": min_seats,
            "max": max_seats,
        }

    @classmethod
    def for_subscription(cls, subscription, data=None) -> SeatChangeForm:
        """The form bounded by the subscription's plan; unbound, it shows today's count."""
        vendor = subscription.reseller_plan.vendor_plan
        bounds = {"min_seats": vendor.min_seats, "max_seats": vendor.max_seats}
        if data is not None:
            return cls(data, **bounds)
        return cls(initial={"seats": subscription.seats}, **bounds)


class OrderStatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Статус"),
        required=False,
        choices=[("", _("Все")), *OrderStatus.choices],
    )


class SubscriptionStatusFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Статус"),
        required=False,
        choices=[("", _("Все")), *SubscriptionStatus.choices],
    )

"""The models that began in the relationship app, taken over with their tables (db_table):
no table is created or changed, only Django's state moves."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        # The tables exist once the relationship app has made them.
        ('relationships', '0010_order_notification_kinds'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
        migrations.CreateModel(
            name='OutgoingEmail',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=200, unique=True)),
                ('to', models.JSONField(help_text='List of recipient addresses.')),
                ('kind', models.CharField(blank=True, max_length=30)),
                ('withheld', models.JSONField(blank=True, default=dict)),
                ('subject', models.CharField(max_length=300)),
                ('body_text', models.TextField()),
                ('body_html', models.TextField(blank=True)),
                ('headers', models.JSONField(blank=True, default=dict)),
                ('status', models.CharField(choices=[('pending', 'Waiting to be sent'), ('sent', 'Sent'), ('failed', 'Failed'), ('skipped', 'Not sent: no recipient wants it now (digest or off)')], default='pending', max_length=10)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('last_error', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'db_table': 'relationships_outgoingemail',
                'ordering': ['-created_at'],
                'indexes': [models.Index(fields=['status', 'created_at'], name='relationshi_status_2b79e2_idx')],
            },
        ),
        migrations.CreateModel(
            name='NotificationPreference',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('address', models.EmailField(blank=True, help_text='Lower-cased; only for a person without a login.', max_length=254)),
                ('kind', models.CharField(choices=[('escalations', 'Escalations at your level'), ('actions_overdue', 'Overdue follow-up actions'), ('service_reviews', 'Service reviews due'), ('requirement_decisions', 'Decisions on requirements'), ('decisions_asked', 'Requests awaiting your decision'), ('escalation_progress', 'Progress of your escalations'), ('surveys', 'Satisfaction surveys'), ('orders_waiting', 'Orders waiting for you'), ('request_outcomes', 'Outcome of your orders and requests')], max_length=30)),
                ('delivery', models.CharField(choices=[('immediate', 'Immediately'), ('digest', 'In a daily digest'), ('off', 'Off')], default='immediate', max_length=10)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notification_preferences', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'db_table': 'relationships_notificationpreference',
                'ordering': ['user', 'address', 'kind'],
                'constraints': [models.UniqueConstraint(fields=('user', 'kind'), name='notification_preference_one_per_kind'), models.UniqueConstraint(condition=models.Q(('user__isnull', True)), fields=('address', 'kind'), name='notification_preference_one_per_address_kind'), models.CheckConstraint(condition=models.Q(models.Q(('user__isnull', False), ('address', '')), models.Q(('user__isnull', True), models.Q(('address', ''), _negated=True), models.Q(('delivery', 'digest'), _negated=True)), _connector='OR'), name='notification_preference_of_a_login_or_an_address', violation_error_message='A preference belongs to a login, or to an address without one (which has no digest to hold mail for).'), models.CheckConstraint(condition=models.Q(('delivery', 'off'), ('kind__in', ['escalations', 'decisions_asked', 'orders_waiting']), _negated=True), name='notification_preference_duty_never_off', violation_error_message='This kind of e-mail cannot be switched off.')],
            },
        ),
        migrations.CreateModel(
            name='DigestItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('address', models.EmailField(max_length=254)),
                ('kind', models.CharField(choices=[('escalations', 'Escalations at your level'), ('actions_overdue', 'Overdue follow-up actions'), ('service_reviews', 'Service reviews due'), ('requirement_decisions', 'Decisions on requirements'), ('decisions_asked', 'Requests awaiting your decision'), ('escalation_progress', 'Progress of your escalations'), ('surveys', 'Satisfaction surveys'), ('orders_waiting', 'Orders waiting for you'), ('request_outcomes', 'Outcome of your orders and requests')], max_length=30)),
                ('summary', models.CharField(max_length=500)),
                ('link', models.URLField(max_length=500)),
                ('created_at', models.DateTimeField()),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='digest_items', to=settings.AUTH_USER_MODEL)),
                ('digest', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='digest_contents', to='notifications.outgoingemail')),
                ('email', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='digest_items', to='notifications.outgoingemail')),
            ],
            options={
                'db_table': 'relationships_digestitem',
                'ordering': ['created_at', 'pk'],
                'indexes': [models.Index(condition=models.Q(('digest__isnull', True)), fields=['user', 'created_at'], name='digest_item_waiting')],
                'constraints': [models.UniqueConstraint(fields=('email', 'user'), name='digest_item_once_per_email_and_user')],
            },
        ),
                ],
        ),
    ]

"""Japanese names of the audit log's actions and object types; an unnamed one shows its code."""

ACTION_LABELS = {
    "auth.login": "ログイン",
    "auth.login_failed": "ログインの失敗",
    "auth.logout": "ログアウト",
    "auth.locked": "アカウントのロック",
    "auth.address_locked": "接続元のロック",
    "auth.unlocked": "ロックの解除",
    "auth.reauthenticated": "パスワードの再確認",
    "auth.password_rehashed": "パスワードの保存形式の更新",
    "auth.2fa_enrolled": "2段階認証の登録",
    "auth.2fa_success": "2段階認証の成功",
    "auth.2fa_failed": "2段階認証の失敗",
    "auth.recovery_code_used": "リカバリーコードの使用",
    "auth.recovery_codes_renewed": "リカバリーコードの作り直し",
    "auth.2fa_reset": "2段階認証のリセット",
    "user.create": "利用者の登録",
    "user.update": "利用者の変更",
    "user.password_changed": "パスワードの変更",
    "user.invite": "利用者の招待",
    "user.invitation_accepted": "招待からのパスワード設定",
    "agency.create": "関係機関の登録",
    "agency.update": "関係機関の変更",
    "council.create": "連絡会議の作成",
    "council.update": "連絡会議の変更",
    "plan_item.create": "項目の追加",
    "plan_item.update": "項目の変更",
    "plan_item.move": "項目の並べ替え",
    "followup.create": "対応事項の登録",
    "followup.update": "対応事項の変更",
    "followup.start": "対応事項を対応中に",
    "followup.done": "対応事項の完了",
    "followup.cancel": "対応事項の取消",
    "followup.reopen": "対応事項の再開",
    "followup.comment": "対応事項へのコメント",
    "meeting.create": "会議の登録",
    "meeting.update": "会議の変更",
    "meeting.attach": "別紙の追加",
    "report.save": "進捗報告の保存",
    "report.submit": "進捗報告の提出",
    "report.reopen": "進捗報告の差し戻し",
    "report_round.open": "進捗報告の依頼",
    "report_round.remind": "進捗報告のリマインド",
    "reports.import": "進捗状況一覧の取り込み",
    "initiative_proposal.create": "取組みの提案",
    "initiative_proposal.accept": "取組みの提案の採用",
    "initiative_proposal.decline": "取組みの提案の見送り",
    "notifications.update": "通知設定の変更",
    "outbox.retry": "メールの再送",
    "demo.load": "デモデータの読み込み",
}

OBJECT_LABELS = {
    "users": "利用者",
    "councils": "連絡会議",
    "agencies": "関係機関",
    "followups": "対応事項",
    "meetings": "会議",
    "initiatives": "取組み",
    "plan_items": "項目",
    "initiative_proposals": "取組みの提案",
    "progress_reports": "進捗報告",
    "report_rounds": "進捗報告の依頼",
    "outbox": "メール",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def object_label(object_type: str | None) -> str:
    return OBJECT_LABELS.get(object_type, object_type) if object_type else ""

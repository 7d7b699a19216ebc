# paperboy의 한국어 메시지. 키와 변수는 locales/en/paperboy.ftl과 같아야 합니다.

language-name = 한국어

papers-count = 논문 { $count }편

## 요약: 모델이 쓴 항목의 이름표와, 어느 모델이 썼는지 밝히는 꼬리말.
summary-label-new = 새로운 점
summary-label-method = 방법
summary-label-results = 결과
summary-label-note = 참고
summary-footer = 🤖 요약: { $model } (기계 작성)

# forum_mode (포럼 채널: 하루에 게시물 하나, 또는 논문마다 하나)
forum-mode-not-a-forum = `forum_mode`는 포럼 채널에서만 쓸 수 있습니다. 이 채널에는 그날의 논문이 메시지로 올라오니, 이 옵션은 빼 주세요.
forum-mode-field = 포럼 게시 방식
forum-mode-day = 하루에 게시물 하나 (`day`)
forum-mode-paper = 논문마다 게시물 하나 (`paper`)
forum-mode-now = 포럼 게시 방식: { $mode }.
forum-mode-changed = 포럼 게시 방식이 바뀌었습니다: { $mode }. 다음 게시부터 적용됩니다.
forum-mode-paper-note = 논문마다 게시물이 따로 올라오고, 논문의 키워드와 이름이 같은 포럼 태그가 붙습니다(최대 5개). 태그가 필수인 포럼에서 맞는 태그가 없는 논문에는 `papers`라는 태그(없으면 포럼의 첫 번째 태그)가 붙습니다.

## 읽기 목록 (게시물 아래의 🔖 저장…, `/papers saved …`).

saved-menu-placeholder = 🔖 저장…
saved-saved = 🔖 **{ $title }** 논문을 읽기 목록에 저장했습니다 (저장 { $count }편). `/papers saved list`로 볼 수 있습니다.
saved-already = 🔖 **{ $title }** 논문은 이미 읽기 목록에 있습니다.
saved-full = ⚠️ 읽기 목록이 가득 찼습니다 ({ $limit }편). 먼저 `/papers saved remove`로 몇 편을 지워 주세요.
saved-unknown = ⚠️ paperboy가 `{ $id }` 논문을 더 이상 알지 못해 저장할 수 없습니다. `/papers search`로 찾아보세요.
saved-empty = 🔖 읽기 목록이 비어 있습니다. 게시물 아래 **🔖 저장…** 메뉴에서 논문을 고르면 여기에 보관됩니다.
saved-list-title = 🔖 내 읽기 목록 · 저장 { $count }편
saved-list-footer = { $pages }쪽 중 { $page }쪽 · 최근 저장 순 · BibTeX나 링크로 받으려면 /papers saved export
saved-not-an-id = `{ $text }`은(는) 읽을 수 있는 arXiv ID나 링크가 아닙니다. 목록에서 논문을 골라 주세요.
saved-not-saved = `{ $id }` 논문은 읽기 목록에 없습니다 (`/papers saved list`에서 확인할 수 있습니다).
saved-removed = 🗑️ 읽기 목록에서 `{ $id }` 논문을 지웠습니다 ({ $left }편 남음).
saved-export-empty = 🔖 읽기 목록이 비어 있어 내보낼 것이 없습니다.
saved-export = 🔖 내 읽기 목록입니다. 논문 { $count }편, 최근 저장 순입니다.
saved-cleared = 🗑️ 읽기 목록을 삭제했습니다 (논문 { $count }편). paperboy에는 아무것도 남지 않습니다.

## 기간별 인기 논문 (`/papers top`, 주간 게시물).

top-header-week = 🏆 **지난 한 주 인기 논문 { $count }편** · { $span } · Hugging Face 추천 수 기준
top-header-month = 🏆 **지난 한 달 인기 논문 { $count }편** · { $span } · Hugging Face 추천 수 기준
top-filtered = (이 채널의 필터 적용)
top-none = { $span } 기간에 보관된 논문이 없습니다.
top-none-filtered = { $span } 기간에 이 채널의 필터에 맞는 보관된 논문이 없습니다.
weekly-header = 🏆 **이번 주 베스트** · { $span } · 방금 집계한 Hugging Face 추천 수 상위 { $count }편
weekly-settings-name = 이번 주 베스트
weekly-settings-on = 매주 { $weekday } { $time } · 상위 { $count }편 · 다음 게시 { $next }
weekly-settings-off = 꺼짐 (`/papers subscribe weekly:True`)
weekly-subscribed = 🏆 이번 주 베스트: 매주 { $weekday } { $time }에 상위 { $count }편을 올립니다.
weekly-not-in-forum = 포럼 채널에서는 아직 이번 주 베스트를 받을 수 없습니다.
weekly-top-range = `weekly_top`은 1부터 { $max }까지입니다.
weekly-day-mon = 월요일
weekly-day-tue = 화요일
weekly-day-wed = 수요일
weekly-day-thu = 목요일
weekly-day-fri = 금요일
weekly-day-sat = 토요일
weekly-day-sun = 일요일
saved-weekly-header = 🔖 이번 주 내 읽기 목록입니다. `/papers saved export`로 참고문헌 관리 프로그램에 가져갈 수 있고, `/alerts saved_weekly enabled:False`로 이 DM을 끌 수 있습니다.
saved-weekly-footer = 전체 { $count }편 중 최근 { $shown }편 · 모두 보려면 /papers saved list
alerts-saved-weekly-on = 🔖 매주 토요일 알림 시간에 읽기 목록을 DM으로 보내 드립니다.
alerts-saved-weekly-off = 🔖 주간 읽기 목록 DM을 더 보내지 않습니다.
alerts-saved-weekly-none = 아직 알림이 없습니다. 먼저 `/alerts add`로 검색어를 추가한 뒤 켜 주세요.

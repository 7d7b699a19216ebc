# paperboy의 한국어 메시지. 키와 변수는 locales/en/paperboy.ftl과 같아야 합니다.

language-name = 한국어

papers-count = 논문 { $count }편

## 날짜와 공통 낱말 (모든 답장과 게시물)

date = { $year }년 { $month }월 { $day }일
date-word-today = 오늘
date-word-yesterday = 어제
reason-unknown-user = Discord가 이 사용자를 알지 못합니다 (404 Unknown User)
reason-channel-gone = 채널이 더 이상 없습니다 (Discord: 404 Unknown Channel)
reason-missing-access = paperboy가 이 채널을 더 이상 볼 수 없습니다 (Discord: 403 Missing Access)
reason-missing-permissions = paperboy에게 이 채널에 게시할 권한이 없습니다 (Discord: 403 Missing Permissions). 채널 보기, 메시지 보내기, 링크 첨부, 메시지 기록 보기 권한이 필요합니다
reason-dms-closed = Discord가 paperboy의 DM을 받아 주지 않았습니다 (50007: DM이 닫혀 있거나, 봇과 함께 있는 서버가 없습니다)
no-reason = 기록된 이유 없음
yes = 예
no = 아니요

## 명령어: Discord가 보여 주는 이름과 설명

cmd-papers-name = 논문
cmd-papers-desc = Hugging Face 데일리 페이퍼: 오늘의 논문, 검색, 이 채널의 매일 게시물.
cmd-papers-today-name = 오늘
cmd-papers-today-desc = 오늘의 논문. 이 채널이 구독 중이면 채널 키워드로 거릅니다.
cmd-papers-today-opt-all-name = 전체
cmd-papers-today-opt-all-desc = 이 채널의 키워드를 무시하고 모든 논문 보기
cmd-papers-date-name = 날짜
cmd-papers-date-desc = 특정 날짜의 논문. 이 채널이 구독 중이면 채널 키워드로 거릅니다.
cmd-papers-date-opt-day-name = 날짜
cmd-papers-date-opt-day-desc = 날짜, YYYY-MM-DD 형식 (또는 '어제')
cmd-papers-date-opt-all-name = 전체
cmd-papers-date-opt-all-desc = 이 채널의 키워드를 무시하고 모든 논문 보기
cmd-papers-search-name = 검색
cmd-papers-search-desc = 보관된 다이제스트의 제목과 요약에서 검색합니다.
cmd-papers-search-opt-query-name = 검색어
cmd-papers-search-opt-query-desc = 찾을 단어 (영어 또는 한국어)
cmd-papers-search-opt-days-name = 기간
cmd-papers-search-opt-days-desc = 최근 N일만
cmd-papers-preview-name = 미리보기
cmd-papers-preview-desc = 이 채널의 다음 게시물에 실릴 내용을 나에게만 보여 줍니다.
cmd-papers-subscribe-name = 구독
cmd-papers-subscribe-desc = 이 채널에 매일 데일리 페이퍼를 게시합니다.
cmd-papers-subscribe-opt-time-name = 시각
cmd-papers-subscribe-opt-time-desc = 매일 게시할 현지 시각, HH:MM (기본값: 봇의 일정)
cmd-papers-subscribe-opt-timezone-name = 시간대
cmd-papers-subscribe-opt-timezone-desc = 게시 시각의 시간대, 예: Asia/Seoul
cmd-papers-subscribe-opt-min_votes-name = 최소추천수
cmd-papers-subscribe-opt-min_votes-desc = 추천 수가 이 이상인 논문만
cmd-papers-subscribe-opt-top_n-name = 상위개수
cmd-papers-subscribe-opt-top_n-desc = 추천을 가장 많이 받은 N편만
cmd-papers-subscribe-opt-notify_empty-name = 빈날알림
cmd-papers-subscribe-opt-notify_empty-desc = 보여 줄 논문이 없는 날에도 짧은 안내를 게시
cmd-papers-subscribe-opt-auto_publish-name = 자동발행
cmd-papers-subscribe-opt-auto_publish-desc = 게시물을 팔로우하는 서버로 발행 (공지 채널)
cmd-papers-subscribe-opt-language-name = 언어
cmd-papers-subscribe-opt-language-desc = 요약과 게시물의 언어, 예: ko, en, ja (기본값: 봇의 언어)
cmd-papers-subscribe-opt-forum_mode-name = 포럼방식
cmd-papers-subscribe-opt-forum_mode-desc = 포럼 채널: 하루에 게시물 하나(day, 기본값) 또는 논문마다 게시물 하나
cmd-papers-subscribe-opt-forum_mode-choice-day = 하루에 게시물 하나 (day)
cmd-papers-subscribe-opt-forum_mode-choice-paper = 논문마다 게시물 하나 (paper)
cmd-papers-subscribe-opt-weekly-name = 주간
cmd-papers-subscribe-opt-weekly-desc = 일주일에 한 번 그 주의 인기 논문도 게시
cmd-papers-subscribe-opt-weekday-name = 요일
cmd-papers-subscribe-opt-weekday-desc = 주간 인기 논문을 게시할 요일 (기본값: 토요일)
cmd-papers-subscribe-opt-weekday-choice-monday = 월요일
cmd-papers-subscribe-opt-weekday-choice-tuesday = 화요일
cmd-papers-subscribe-opt-weekday-choice-wednesday = 수요일
cmd-papers-subscribe-opt-weekday-choice-thursday = 목요일
cmd-papers-subscribe-opt-weekday-choice-friday = 금요일
cmd-papers-subscribe-opt-weekday-choice-saturday = 토요일
cmd-papers-subscribe-opt-weekday-choice-sunday = 일요일
cmd-papers-subscribe-opt-weekly_top-name = 주간개수
cmd-papers-subscribe-opt-weekly_top-desc = 주간 인기 논문에 보일 논문 수 (기본값 10)
cmd-papers-unsubscribe-name = 구독해지
cmd-papers-unsubscribe-desc = 이 채널의 데일리 페이퍼 게시를 멈춥니다 (키워드는 남습니다).
cmd-papers-pause-name = 일시정지
cmd-papers-pause-desc = 설정은 그대로 두고 이 채널의 매일 게시를 잠시 멈춥니다.
cmd-papers-resume-name = 재개
cmd-papers-resume-desc = 이 채널의 매일 게시를 다시 시작합니다 (오류로 paperboy가 멈춘 뒤에도).
cmd-papers-retry-name = 재시도
cmd-papers-retry-desc = 이 채널에서 실패한 날을 다시 시도합니다 (따라잡기 기간 안의 날).
cmd-papers-settings-name = 설정
cmd-papers-settings-desc = 이 채널의 모든 설정과 다음 게시 시각.
cmd-papers-settings-opt-forum_mode-name = 포럼방식
cmd-papers-settings-opt-forum_mode-desc = 바꾸기: 포럼 채널에 하루에 게시물 하나(day) 또는 논문마다 하나(paper)
cmd-papers-settings-opt-forum_mode-choice-day = 하루에 게시물 하나 (day)
cmd-papers-settings-opt-forum_mode-choice-paper = 논문마다 게시물 하나 (paper)
cmd-papers-top-name = 인기
cmd-papers-top-desc = 지난 일주일 또는 한 달 동안 추천을 가장 많이 받은 논문 (구독 중이면 이 채널의 필터 적용).
cmd-papers-top-opt-period-name = 기간
cmd-papers-top-opt-period-desc = 지난 일주일(기본값) 또는 한 달
cmd-papers-top-opt-period-choice-week = 일주일
cmd-papers-top-opt-period-choice-month = 한 달
cmd-papers-top-opt-count-name = 개수
cmd-papers-top-opt-count-desc = 논문 수 (기본값 10)
cmd-papers-saved-name = 저장
cmd-papers-saved-desc = 내 읽기 목록: 게시물의 🔖 저장 메뉴로 저장한 논문.
cmd-papers-saved-list-name = 목록
cmd-papers-saved-list-desc = 저장한 논문을 최근 것부터 링크와 함께 보여 줍니다 (나에게만 보입니다).
cmd-papers-saved-list-opt-page-name = 쪽
cmd-papers-saved-list-opt-page-desc = 몇 쪽 (한 쪽에 논문 10편)
cmd-papers-saved-remove-name = 삭제
cmd-papers-saved-remove-desc = 읽기 목록에서 논문 하나를 지웁니다.
cmd-papers-saved-remove-opt-paper-name = 논문
cmd-papers-saved-remove-opt-paper-desc = 논문의 arXiv id (예: 2404.00399) 또는 링크
cmd-papers-saved-export-name = 내보내기
cmd-papers-saved-export-desc = 읽기 목록을 파일로: BibTeX 항목 또는 링크 (나에게만 보입니다).
cmd-papers-saved-export-opt-format-name = 형식
cmd-papers-saved-export-opt-format-desc = BibTeX(기본값) 또는 링크 목록
cmd-papers-saved-export-opt-format-choice-bibtex = BibTeX
cmd-papers-saved-export-opt-format-choice-links = 링크
cmd-papers-saved-clear-name = 모두삭제
cmd-papers-saved-clear-desc = 읽기 목록 전체를 지웁니다.
cmd-papers-keywords-name = 키워드
cmd-papers-keywords-desc = 이 채널의 키워드: 하나라도 맞는 논문이 게시됩니다.
cmd-papers-keywords-add-name = 추가
cmd-papers-keywords-add-desc = 키워드 추가 (공백이나 쉼표로 구분, "따옴표 구절", -단어는 제외).
cmd-papers-keywords-add-opt-words-name = 키워드
cmd-papers-keywords-add-opt-words-desc = 예: llm, "diffusion model", 확산, -survey
cmd-papers-keywords-remove-name = 삭제
cmd-papers-keywords-remove-desc = 키워드 하나를 지웁니다.
cmd-papers-keywords-remove-opt-word-name = 키워드
cmd-papers-keywords-remove-opt-word-desc = 지울 키워드
cmd-papers-keywords-list-name = 목록
cmd-papers-keywords-list-desc = 이 채널의 키워드를 보여 줍니다.
cmd-papers-keywords-clear-name = 모두삭제
cmd-papers-keywords-clear-desc = 이 채널의 키워드를 모두 지웁니다.
cmd-alerts-name = 알림
cmd-alerts-desc = 나만의 데일리 페이퍼 알림: 내 조건에 맞는 논문을 하루 한 번 DM으로.
cmd-alerts-add-name = 추가
cmd-alerts-add-desc = 조건 추가: 단어, "따옴표 구절", -제외, author:"이름". 맞는 논문이 있는 날 DM이 옵니다.
cmd-alerts-add-opt-terms-name = 조건
cmd-alerts-add-opt-terms-desc = 예: speculative decoding, "diffusion model", author:"Tri Dao", -survey
cmd-alerts-list-name = 목록
cmd-alerts-list-desc = 내 조건과 알림이 오는 시각.
cmd-alerts-remove-name = 삭제
cmd-alerts-remove-desc = 내 조건 하나를 지웁니다.
cmd-alerts-remove-opt-term-name = 조건
cmd-alerts-remove-opt-term-desc = /알림 목록에 보이는 그대로의 조건
cmd-alerts-clear-name = 모두삭제
cmd-alerts-clear-desc = paperboy가 나에 대해 저장한 모든 것을 지웁니다: 조건, 설정, DM 기록.
cmd-alerts-pause-name = 일시정지
cmd-alerts-pause-desc = 알림 DM을 잠시 멈춥니다 (조건은 남습니다).
cmd-alerts-resume-name = 재개
cmd-alerts-resume-desc = 알림 DM을 다시 시작합니다 (Discord가 DM을 거부해 paperboy가 멈춘 뒤에도).
cmd-alerts-time-name = 시간
cmd-alerts-time-desc = 알림 DM이 올 시각과 시간대를 고릅니다 (기본값: 봇의 일정).
cmd-alerts-time-opt-time-name = 시각
cmd-alerts-time-opt-time-desc = DM을 받을 현지 시각 HH:MM, 봇의 일정을 따르려면 'default'
cmd-alerts-time-opt-timezone-name = 시간대
cmd-alerts-time-opt-timezone-desc = 내 시간대, 예: Asia/Seoul (기본값: 봇의 시간대)

cmd-alerts-saved_weekly-name = 주간읽기목록
cmd-alerts-saved_weekly-desc = 매주 토요일 알림 시각에 읽기 목록을 DM으로 받습니다 (또는 멈춥니다).
cmd-alerts-saved_weekly-opt-enabled-name = 켜기
cmd-alerts-saved_weekly-opt-enabled-desc = True: 저장한 논문을 매주 DM으로, False: 받지 않음
## 모든 명령어에 나올 수 있는 오류

error-need-guild = 구독은 서버 채널에 속합니다: 서버의 채널에서 실행해 주세요.
error-need-manage-channels = 이 채널의 paperboy 설정을 바꾸려면 **채널 관리하기** 권한이 필요합니다.
error-date-unreadable = `{ $input }`은(는) 읽을 수 있는 날짜가 아닙니다. YYYY-MM-DD 형식으로 입력해 주세요. 예: `{ $example }`
error-date-future = { $date }은(는) 아직 오지 않은 날입니다. 가장 최근 다이제스트는 오늘({ $today }) 것입니다.
error-time-unreadable = `{ $input }`은(는) 읽을 수 있는 시각이 아닙니다. 24시간제 HH:MM으로 입력해 주세요. 예: `09:00`, `18:30`
error-timezone-unknown = `{ $input }`은(는) 알 수 없는 시간대입니다. 목록에서 고르세요. 예: `Asia/Seoul`, `Europe/Berlin`
error-internal = paperboy 쪽에서 문제가 생겼습니다. 오류는 기록되었습니다. 잠시 후 다시 시도해 주세요.
error-argument = 이 명령어의 옵션을 읽을 수 없습니다. 확인한 뒤 다시 시도해 주세요.
error-fallback = ⚠️ 처리하지 못했습니다. 다시 시도해 주세요.
error-term = `{ $term }`: { $why }.
term-missing-author = `author:` 뒤에 이름이 필요합니다. 예: author:"Tri Dao"
term-empty = 조건이 비어 있습니다
term-too-long = 조건이 { $max }자를 넘습니다
term-no-letter = 조건에 글자나 숫자가 없어 쓸모 있는 논문과 맞지 않습니다
term-unknown-has = `has:`는 `has:code`(코드 저장소가 있는 논문)만 압니다
term-missing-org = `org:` 뒤에 조직이 필요합니다. 예: org:huggingface, org:"Hugging Face"
store-too-many-keywords = 이 채널의 키워드는 최대 { $max }개입니다. 먼저 몇 개를 지워 주세요
store-too-many-terms = 알림 조건은 최대 { $max }개입니다. 먼저 몇 개를 지워 주세요 (`/알림 삭제`)
store-keyword-too-long = 키워드 "{ $keyword }"이(가) { $max }자를 넘습니다
store-keyword-empty = 키워드는 비어 있을 수 없습니다
store-not-subscribed = 이 채널은 데일리 페이퍼를 구독하고 있지 않습니다

## /논문 오늘, 날짜, 미리보기, 검색

papers-newest-complete = 가장 최근의 완성된 다이제스트는 { $date } 것입니다 (`/논문 날짜 날짜:{ $iso }`).
papers-today-not-out = 오늘({ $date })의 다이제스트는 아직 나오지 않았습니다. 가장 최근의 { $newest } 다이제스트를 보여 드립니다.
papers-no-digest-yet = { $date }의 데일리 페이퍼 다이제스트는 아직 없습니다. 다이제스트는 평일, UTC 기준 하루가 끝날 무렵 나옵니다.
papers-no-digest = { $date }의 데일리 페이퍼 다이제스트는 없습니다. 다이제스트는 평일, UTC 기준 하루가 끝날 무렵 나옵니다.
papers-before-first = 데일리 페이퍼는 { $first }부터 있습니다. 그 이후의 날을 골라 주세요.
papers-fetch-busy = 새 날짜를 너무 빨리 요청하고 있습니다. { $seconds }초 뒤에 다시 시도해 주세요 (paperboy가 이미 가진 날은 바로 답합니다).
papers-fetch-failed = 지금은 { $date }의 다이제스트를 가져올 수 없습니다. 몇 분 뒤에 다시 시도해 주세요.
papers-fetch-unreadable = { $date }의 다이제스트를 읽을 수 없습니다. 운영자에게 알렸습니다.
preview-paused = 이 채널의 매일 게시가 일시정지되어 있거나 일정이 다시 오지 않습니다: 미리 볼 것이 없습니다.
preview-never = 이 채널은 구독하고 있지 않고, 봇의 일정도 다시 오지 않습니다: 미리 볼 것이 없습니다.
preview-note = 미리보기: { $words }.
preview-meanwhile = { $waiting }. 그동안 이 채널의 필터로 거른 { $newest } 다이제스트를 보여 드립니다.
preview-nothing-yet = { $waiting }. 아직 미리 볼 다이제스트가 없습니다.
preview-next-carries = 이 채널의 다음 게시물({ $when })에 이 다이제스트가 실립니다
preview-next-will-carry = 이 채널의 다음 게시물({ $when })에는 { $date } 다이제스트가 나오는 대로 실립니다
preview-unsubscribed-carries = 이 채널은 **구독하고 있지 않아** 매일 게시물이 오지 않습니다. 기본 설정으로 구독한다면(`/논문 구독`, 채널 관리하기 권한) 다음 게시물({ $when })에 이 다이제스트가 실립니다
preview-unsubscribed-will-carry = 이 채널은 **구독하고 있지 않아** 매일 게시물이 오지 않습니다. 기본 설정으로 구독한다면(`/논문 구독`, 채널 관리하기 권한) 다음 게시물({ $when })에 { $date } 다이제스트가 나오는 대로 실립니다
search-too-short = 검색어를 2자 이상 입력해 주세요.
search-too-long = 검색어가 너무 깁니다: 200자 안으로 줄여 주세요.
search-days-range = `기간`은 1에서 { $max } 사이여야 합니다.
search-no-match = 보관된 논문 중 `{ $query }`에 맞는 것이 없습니다.
search-no-match-days = 최근 { $days }일 동안 보관된 논문 중 `{ $query }`에 맞는 것이 없습니다.
search-title = 검색: { $query }
search-footer = paperboy가 보관한 다이제스트에서 찾은 결과 { $count }건

## /논문 구독, 구독해지, 일시정지, 재개, 재시도, 설정

perm-view-channel = 채널 보기
perm-embed-links = 링크 첨부
perm-read-message-history = 메시지 기록 보기
perm-create-posts = 게시물 만들기
perm-send-messages-in-posts = 게시물에서 메시지 보내기
perm-send-messages-in-threads = 스레드에서 메시지 보내기
perm-send-messages = 메시지 보내기
subscribe-missing-permissions = 아직 여기에 게시할 수 없습니다: 이 채널에서 { $list } 권한이 없습니다. paperboy의 역할에 이 권한을 주고(채널 설정 → 권한) `/논문 구독`을 다시 실행해 주세요.
subscribe-out-of-range = `최소추천수`는 100000까지, `상위개수`는 1에서 100까지입니다.
subscribe-wrong-kind = paperboy는 텍스트, 공지, 포럼 채널이나 스레드에만 게시할 수 있습니다.
subscribe-auto-publish = `자동발행`은 공지 채널에서만 쓸 수 있습니다.
subscribe-language-unknown = `{ $input }`은(는) 언어 코드가 아닙니다. `ko`, `en`, `ja`, `pt-BR` 같은 코드나, 봇의 언어를 따르려면 `default`를 입력해 주세요.
subscribe-created = ✅ 구독했습니다! 이 채널은 데일리 페이퍼를 { $schedule }
subscribe-updated = ✅ 구독을 바꿨습니다. 이 채널은 데일리 페이퍼를 { $schedule }
when-at = 매일 { $time }({ $zone })에
when-bot = 봇의 일정(`{ $cron }`, { $zone })에 따라
schedule-channel = { $when } 새 다이제스트가 나올 때마다 받습니다.
schedule-next-post = 다음 게시: { $next }
next-with-digest = { $at }, { $date } 다이제스트
next-with-digest-pending = { $at }, { $date } 다이제스트 (나오는 대로)
not-subscribed = 이 채널은 구독하고 있지 않습니다.
not-subscribed-yet = 이 채널은 구독하고 있지 않습니다. 먼저 `/논문 구독`을 실행해 주세요.
unsubscribe-done = 👋 구독을 해지했습니다: 이제 여기에 매일 게시하지 않습니다. 다시 구독할 때를 위해 키워드는 남겨 둡니다 (`/논문 키워드 모두삭제`로 지울 수 있습니다).
pause-reason = { $name }님이 일시정지함
pause-done = ⏸️ 일시정지했습니다. 매일 게시를 다시 시작하려면 `/논문 재개`를 실행하세요.
resume-done = ▶️ 다시 시작했습니다: 이 채널은 데일리 페이퍼를 { $schedule }
resume-retrying = 최근 실패한 게시물 { $count }개를 1분 안에 다시 시도합니다.
retry-nothing = 다시 시도할 것이 없습니다: { $since } 이후 이 채널에서 실패한 게시물이 없습니다.
retry-done = 🔁 { $days }을(를) 다시 시도합니다: 일부만 게시된 날은 1분 안에 이어서, 나머지는 다음 게시물과 함께 보냅니다{ $next }.
retry-next = { " " }(다음 게시: { $at })
source-primary = 기본 출처
source-fallback = 대체 출처(Hugging Face)
source-earlier = 이전 출처
trouble-keeps-trying = paperboy가 계속 시도하며, { $max }번 실패하면 포기합니다
trouble-after-resume = `/논문 재개` 후에 다시 시도합니다
trouble-retrying = 🔁 { $date } 게시물을 다시 시도하는 중입니다 (처음 시도: <t:{ $since }:R>): { $max }번 중 { $attempts }번 실패했고, 마지막 오류는 { $error }입니다. { $then }.
trouble-failed = ❌ 실패: { $days }
trouble-gave-up = paperboy가 포기했습니다: 다시 시도하려면 `/논문 재시도`를 실행하세요.
settings-title = 이 채널의 paperboy 설정
settings-not-subscribed = 구독하고 있지 않습니다. **채널 관리하기** 권한이 있는 멤버가 `/논문 구독`을 실행할 수 있습니다.
settings-subscribed = ✅ 구독 중
settings-paused = ⏸️ 일시정지됨 — { $reason }
settings-paused-hint = 다시 켜려면 `/논문 재개`를 실행하세요.
settings-last-post = { $date }, { $source }, { $at }
settings-no-post-retrying = — (아직 없음: { $date } 게시물을 다시 시도하는 중)
settings-no-post = — (아직 없음)
settings-time-bot = 봇의 일정 `{ $cron }` ({ $zone })
settings-next-paused = — (일시정지됨)
settings-next-never = 없음 (일정에 앞으로의 날짜가 없습니다)
settings-next-after-retry = 다시 시도 중인 날 다음, 그 뒤 { $next }
settings-quiet = 📭 기본 다이제스트 출처가 예정된 { $days }일 동안 아무것도 내지 않았습니다{ $last }: 돌아올 때까지 대체 출처로 게시합니다.
settings-quiet-last = { " " }(마지막: { $date })
settings-all = 전체
settings-field-post-time = 게시 시각
settings-field-next-post = 다음 게시
settings-field-min-votes = 최소 추천 수
settings-field-top-n = 상위 N편
settings-field-notify-empty = 빈 날 안내
settings-field-auto-publish = 자동 발행
settings-field-language = 언어
settings-language-default = { $language } (봇 기본값)
settings-field-last-post = 마지막 게시
settings-field-set-up-by = 설정한 사람
settings-set-up-by = <@{ $user }>, { $date }
settings-field-keywords = 키워드 (하나라도 맞으면)
settings-field-excluded = 제외

## /논문 키워드

keywords-none-given = 키워드를 하나 이상 입력해 주세요. 예: `llm, "diffusion model", -survey`
keywords-no-letter = `{ $word }`에는 글자나 숫자가 없어 쓸모 있는 논문과 맞지 않습니다.
keywords-added = 추가함: { $list }
keywords-switched = 바꿈: { $list }
keywords-unchanged = 이미 있음: { $list }
keywords-not-found = `{ $word }`은(는) 이 채널의 키워드가 아닙니다 (`/논문 키워드 목록` 참고).
keywords-removed = 🗑️ `{ $word }`을(를) 지웠습니다.
keywords-empty = 이 채널에는 키워드가 없어 모든 논문을 받습니다. `/논문 키워드 추가`로 추가하세요.
keywords-count = 🔑 키워드 { $count }개
keywords-any-of = 하나라도 맞으면 게시: { $list }
keywords-never = 맞으면 절대 게시하지 않음: { $list }
keywords-cleared = 🧹 키워드 { $count }개를 지웠습니다. 이제 이 채널은 모든 논문을 받습니다.

## /알림

alerts-following-nothing = 따르는 조건 없음 (제외 조건은 논문을 빼기만 합니다: 단어나 저자를 추가하세요)
alerts-still-following = 계속 따르는 조건: { $list }
alerts-excluding = { $followed }. 제외: { $list }
alerts-paused-by-you = ⏸️ 알림이 일시정지되어 있습니다 (직접 멈추셨습니다). 다시 받으려면 `/알림 재개`를 실행하세요.
alerts-paused-refused = ⏸️ 알림이 일시정지되어 있습니다: { $reason }. paperboy의 다이렉트 메시지를 허용한 뒤(사용자 설정 → 콘텐츠 및 소셜, 또는 서버의 개인정보 보호 설정) `/알림 재개`를 실행하세요.
alerts-schedule = { $when } 조건에 맞는 논문을 모아 다이제스트가 나온 날마다 DM을 한 번 보내 드립니다.
alerts-next-check = 다음 확인: { $at }, { $date } 다이제스트.
alerts-next-check-pending = 다음 확인: { $at }, { $date } 다이제스트 (나오는 대로).
alerts-none-given = 조건을 하나 이상 입력해 주세요. 예: `"speculative decoding", author:"Tri Dao", -survey`
alerts-added = ✅ 추가함: { $list }
alerts-unchanged = 이미 있음: { $list }
alerts-only-excludes = 아직 제외 조건뿐입니다: 논문을 받으려면 단어나 저자를 추가하세요 (제외 조건은 논문을 빼기만 합니다).
alerts-count = 조건 { $max }개 중 { $count }개를 쓰고 있습니다.
alerts-none = 알림이 없습니다. `/알림 추가`로 추가하세요. 예: `/알림 추가 조건: "speculative decoding", author:"Tri Dao"`
alerts-yours = 🔔 내 알림 (조건 { $max }개 중 { $count }개):
alerts-matching = 맞으면 받는 논문: { $list }
alerts-never-matching = 맞으면 받지 않는 논문: { $list }
alerts-retrying = 🔁 { $date } DM을 다시 시도하는 중입니다 (처음 시도: <t:{ $since }:R>): { $max }번 중 { $attempts }번 실패했고, 마지막 오류는 { $error }입니다.
alerts-given-up = ❌ 보내지 못함: { $days } DM. 다시 시도하려면 `/알림 재개`를 실행하세요.
alerts-removed = 🗑️ `{ $term }`을(를) 지웠습니다. { $tail }
alerts-removed-last = 마지막 조건이었습니다: 조건을 추가할 때까지 DM이 오지 않습니다 (`/알림 모두삭제`는 설정까지 지웁니다).
alerts-nothing-to-remove = 지울 알림이 없습니다. `/알림 추가`로 추가하세요.
alerts-not-a-term = `{ $term }`은(는) 내 조건이 아닙니다. 내 조건: { $list }
alerts-cleared = 🧹 완료: 내 조건, 알림 설정, paperboy가 보낸 DM 기록을 모두 지웠습니다. 이제 paperboy는 나에 대해 아무것도 저장하지 않습니다.
alerts-nothing-stored = paperboy는 나에 대해 아무것도 저장하지 않습니다: 알림이 없습니다.
alerts-nothing-to-pause = 일시정지할 알림이 없습니다. `/알림 추가`로 추가하세요.
alerts-already-paused = 알림은 이미 일시정지되어 있습니다.
alerts-paused = ⏸️ 일시정지했습니다: `/알림 재개`를 실행할 때까지 알림 DM이 오지 않습니다. 조건은 남겨 둡니다.
alerts-no-alerts = 알림이 없습니다. `/알림 추가`로 추가하세요.
alerts-on = 알림이 켜져 있습니다.
alerts-resumed = ▶️ 다시 시작했습니다.
alerts-retried = 🔁 { $days } DM을 다음 DM과 함께 다시 시도합니다.
alerts-time-first = 아직 알림이 없습니다. 먼저 `/알림 추가`로 조건을 추가한 뒤 시각을 고르세요.
alerts-time-saved = 🕘 저장했습니다. { $schedule }

## 게시물: 채널의 하루, 개인 DM, 하루를 보여 주는 답장

post-day = 데일리 페이퍼 — { $date }
post-count-filtered = 논문 { $total }편 중 { $shown }편 (이 채널의 필터 적용)
post-header = 📰 **{ post-day }** · { $count }
post-fetched-at = { $time }에 가져옴
post-fetched-now = 방금 가져옴
post-header-growing = 📰 **{ post-day }** · **지금까지** { $count } ({ $when }; 이날의 목록은 UTC 기준 하루가 끝날 때까지 늘어납니다)
post-empty-no-papers = 📭 **{ post-day }**: 오늘 다이제스트에는 논문이 없습니다.
post-empty-nothing-matched = 🔍 **{ post-day }**: 오늘은 이 채널의 필터에 맞는 논문이 없습니다.
post-empty-not-published = ⏳ **{ post-day }**: 다이제스트가 아직 나오지 않았습니다. 나오는 대로 게시합니다.
post-empty-never-published = 📭 **{ post-day }**: { $date }에는 다이제스트가 나오지 않았습니다.
post-paused = ⏸️ paperboy가 <#{ $channel }>의 데일리 페이퍼 게시를 멈췄습니다: { $reason }. 문제를 해결한 뒤 그 채널에서 `/논문 재개`를 실행하세요.
paper-untitled = (제목 없는 논문)
link-arxiv = arXiv
link-pdf = PDF
link-hugging-face = Hugging Face
link-code = 코드
link-project = 프로젝트
alert-header = 📬 **내 데일리 페이퍼 알림 — { $date }** · 논문 { $total }편 중 { $count }편이 내 조건에 맞습니다 (`/알림 목록`으로 조건 보기, `/알림 일시정지`로 멈추기)
reply-in-digest = 다이제스트에는 논문 { $count }편이 있습니다. 보려면 `전체:True`를 더하세요.
reply-and-more = …외 논문 { $count }편. `/논문 키워드 추가`나 `/논문 검색`으로 좁혀 보세요.
## 요약: 모델이 쓴 항목의 이름표와, 어느 모델이 썼는지 밝히는 꼬리말.
summary-label-new = 새로운 점
summary-label-method = 방법
summary-label-results = 결과
summary-label-note = 참고
summary-footer = 🤖 { $model } 요약

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

## 논문에 대한 질문 (`/papers ask`, 이슈 27): 명령어와 답변 주변의 문구.

cmd-papers-ask-name = 질문
cmd-papers-ask-desc = 논문에 대해 질문하세요: 이 봇의 모델이 논문 본문을 바탕으로 내 언어로 답합니다.
cmd-papers-ask-opt-question-name = 질문
cmd-papers-ask-opt-question-desc = 논문에 대한 질문
cmd-papers-ask-opt-paper-name = 논문
cmd-papers-ask-opt-paper-desc = 논문 (arXiv id, 링크 또는 제목의 단어); 논문의 스레드에서는 그 논문
cmd-papers-ask-opt-private-name = 비공개
cmd-papers-ask-opt-private-desc = 질문과 답변을 나에게만 보여 줍니다
ask-question = ❓ { $question }
ask-footer-full = 🤖 { $model } 모델이 논문 전문을 바탕으로 답했습니다. 틀릴 수 있으니 논문에서 확인하세요.
ask-footer-abstract = 🤖 { $model } 모델이 초록만 보고 답했습니다 (전문을 읽을 수 없었습니다). 틀릴 수 있으니 논문에서 확인하세요.
ask-cut = … [PDF에서 이어 읽기]({ $url })
ask-no-model = 질문에 답하려면 모델이 필요한데, 이 봇에는 설정된 모델이 없습니다 (`bot.toml`의 `[summaries]`).
ask-off = 이 봇에서는 논문 질문 기능이 꺼져 있습니다.
ask-empty-question = 논문에 대한 질문을 적어 주세요.
ask-paper-unknown = paperboy가 아는 논문 중에 `{ $paper }`이(가) 없습니다. 추천 목록에서 고르거나 arXiv id를 입력해 주세요.
ask-which-paper = 이 스레드에는 논문이 여러 편 있습니다. `paper:`로 어느 논문인지 알려 주세요.
    { $papers }
ask-no-paper = 어느 논문인가요? `paper:`에 arXiv id, 링크 또는 제목의 단어를 적거나, 그 논문의 스레드에서 질문해 주세요.
ask-cap-person = 오늘 한 사람이 할 수 있는 질문을 모두 했습니다 (봇의 한도). { $reset }부터 다시 질문할 수 있습니다.
ask-cap-server = 이 서버는 오늘 할 수 있는 질문을 모두 했습니다 (서버당 봇의 한도). { $reset }부터 다시 질문할 수 있습니다.
ask-cap-tokens = 봇이 오늘 질문에 쓸 수 있는 예산을 모두 썼습니다. { $reset }부터 다시 질문할 수 있습니다.
ask-no-text = 지금은 arXiv에서 논문 본문을 가져올 수 없습니다. 몇 분 뒤에 다시 시도해 주세요.
ask-model-failed = 지금은 모델이 답할 수 없습니다. 몇 분 뒤에 다시 시도해 주세요. 이번 질문은 횟수에 세지 않았습니다.
ask-declined = 모델이 이 질문에 답하기를 거절했습니다.
ask-empty = 모델이 쓸 만한 답을 내지 못했습니다. 질문을 바꿔서 다시 해 보세요.
## 한눈에 보는 하루 (이슈 26): 목록, 카드, 채널의 게시 방식.

cmd-papers-subscribe-opt-layout-name = 게시방식
cmd-papers-subscribe-opt-layout-desc = 하루 게시: 상위 논문 먼저, 카드는 스레드에(glance) · 모든 카드(full) · 상위 목록만(index)
cmd-papers-subscribe-opt-layout-choice-glance = 한눈에 보기 (glance)
cmd-papers-subscribe-opt-layout-choice-full = 모든 카드 (full)
cmd-papers-subscribe-opt-layout-choice-index = 목록만 (index)
cmd-papers-subscribe-opt-index_top-name = 목록개수
cmd-papers-subscribe-opt-index_top-desc = 하루 목록에 먼저 보일 논문 수 (기본값 10, 0 = 전부)
cmd-papers-settings-opt-layout-name = 게시방식
cmd-papers-settings-opt-layout-desc = 바꾸기: 상위 논문 먼저, 카드는 스레드에(glance) · 모든 카드(full) · 상위 목록만(index)
cmd-papers-settings-opt-layout-choice-glance = 한눈에 보기 (glance)
cmd-papers-settings-opt-layout-choice-full = 모든 카드 (full)
cmd-papers-settings-opt-layout-choice-index = 목록만 (index)
cmd-papers-settings-opt-index_top-name = 목록개수
cmd-papers-settings-opt-index_top-desc = 바꾸기: 하루 목록에 먼저 보일 논문 수 (0 = 전부)
paper-et-al = 외
link-hugging-face-short = HF
index-top-by-votes = 추천 수 상위 { $count }편
index-all-in-thread = 카드 { $total }장은 모두 스레드에 있습니다 ↓
index-more-in-thread = 외 { $count }편 · 카드 { $total }장은 모두 스레드에 있습니다 ↓
index-more-below = 외 { $count }편은 아래에 ↓
index-more-command = 외 { $count }편: `/논문 날짜 날짜:{ $iso }`
layout-top = 상위 { $count }편
layout-top-all = 모든 논문
layout-glance = 한눈에 보기: 추천 수 { $top }을 먼저, 모든 카드는 스레드에 (`glance`)
layout-full = 모든 카드를 채널에 (`full`)
layout-index = 추천 수 { $top }만, 카드 없이 (`index`)
layout-now = 게시 방식: { $layout }.
layout-changed = 다음 게시부터 게시 방식이 { $layout }(으)로 바뀝니다.
layout-no-threads = paperboy가 이 채널에서 스레드를 만들 수 없어서({ $why }) 모든 카드를 채널에 올립니다(`full`). 그 권한을 준 다음 `/논문 설정 게시방식:glance`를 고르세요.
layout-needs-threads = 이 채널에서 매일 스레드를 만들려면 paperboy에게 { $list } 권한이 필요합니다. 먼저 권한을 주거나 `게시방식:full`을 고르세요.
layout-fell-back = 🧵 paperboy가 이 채널에서 오늘의 스레드를 만들지 못했습니다(공개 스레드 만들기와 스레드에서 메시지 보내기 권한이 필요합니다). 그래서 오늘의 카드는 채널에 올렸고, 앞으로도 매일 채널에 올립니다(`full`). 그 권한을 준 다음 `/논문 설정 게시방식:glance`를 고르면 스레드로 돌아갑니다.
reason-no-threads = paperboy가 이 채널에서 스레드를 만들 수 없어서(공개 스레드 만들기와 스레드에서 메시지 보내기 권한이 필요합니다) 매일의 카드를 채널에 올립니다
perm-create-public-threads = 공개 스레드 만들기
settings-field-layout = 게시 방식

## 맞춤 추천: 읽기 목록에 따라 정렬한 알림 DM(`/alerts for_you`), 추천 논문, "관심 없음…" 메뉴,
## 저장한 논문의 후속 소식. (한 블록으로 모아 둡니다.)

cmd-alerts-for_you-name = 맞춤추천
cmd-alerts-for_you-desc = 읽기 목록에 가까운 순으로 알림 DM을 정렬하고 비슷한 논문을 추천받습니다 (또는 끕니다).
cmd-alerts-for_you-opt-enabled-name = 켜기
cmd-alerts-for_you-opt-enabled-desc = True: 저장한 논문 기준 정렬, 추천, 저장한 논문 소식; False: 끄기
cmd-alerts-for_you-opt-extra-name = 추천수
cmd-alerts-for_you-opt-extra-desc = 조건에 맞지 않지만 DM에 더할 논문 수, 0~5 (기본 3)
for-you-on = ✨ 맞춤 추천을 켰습니다. DM에서 조건에 맞는 논문을 읽기 목록에 가까운 순서로 보여 드립니다{ $extra ->
    [0] .
   *[other] . 조건에는 맞지 않지만 읽기 목록에 가까운 논문도 최대 { $extra }편 더하며, 각 논문이 어느 저장 논문과 가까운지 알려 드립니다.
} 저장한 논문에 코드, 프로젝트 페이지, 모델이나 데이터셋이 생기면 다음 DM에서 한 번 알려 드립니다.
for-you-few = 정렬이 시작되려면 🔖 저장… 메뉴로 논문을 { $min }편 이상 저장해 주세요 (지금 { $count }편).
for-you-off = 맞춤 추천을 껐습니다. DM은 추천이나 저장한 논문 소식 없이 그날의 순서대로 논문을 보여 드립니다.
for-you-list-on = ✨ 맞춤 추천: 켜짐, DM마다 최대 { $extra }편 추천 (`/alerts for_you enabled:False`로 끄기)
for-you-close-to = *{ $title }*와(과) 비슷함
for-you-why-match = ✨ 저장한 논문과 가까움
for-you-why-recommended = ✨ 맞춤 추천: 조건에는 맞지 않음
for-you-header = 📬 **내 데일리 페이퍼 — { $date }** · 내 조건에 맞는 논문은 없지만 읽기 목록에 가까운 논문이 { $count }편 있습니다 (`/alerts for_you`로 바꾸기)
for-you-followups-header = 🔔 **저장한 논문 소식 — { $date }**
for-you-ordered = ✨ 읽기 목록에 가까운 순서입니다.
for-you-recommended-intro = ✨ 마지막 { $count }편은 조건에는 맞지 않지만 저장한 논문과 가깝습니다. 아래 **관심 없음…**을 고르면 비슷한 논문이 덜 나옵니다.
for-you-followup-code = 🔔 **{ $title }**의 코드가 공개되었습니다: <{ $url }>
for-you-followup-project = 🔔 **{ $title }**에 프로젝트 페이지가 생겼습니다: <{ $url }>
for-you-followup-models = 🔔 **{ $title }**: Hugging Face에서 모델 { $count }개가 이 논문을 인용합니다. 예: [{ $name }](<{ $url }>)
for-you-followup-datasets = 🔔 **{ $title }**: Hugging Face에서 데이터셋 { $count }개가 이 논문을 인용합니다. 예: [{ $name }](<{ $url }>)
for-you-not-for-me-placeholder = 👎 관심 없음…
for-you-not-for-me-option = { $id } · 이런 논문은 덜 보기
for-you-not-for-me-noted = 👎 알겠습니다. 다음 DM부터 *{ $title }*와(과) 비슷한 논문은 뒤로 갑니다. (`/papers saved clear`로 지울 수 있습니다.)
for-you-not-for-me-already = 👎 *{ $title }*은(는) 이미 관심 없음으로 표시되어 있습니다.
for-you-not-for-me-unknown = 이 메뉴가 가리키는 논문을 읽을 수 없습니다 (`{ $id }`).
for-you-weekly-title = ✨ 이번 주 맞춤 추천: 읽기 목록에 가까운 논문 { $count }편
for-you-weekly-footer = 내 조건에는 맞지 않은 논문 · /alerts for_you
for-you-close-to-plain = { $title }와(과) 비슷함

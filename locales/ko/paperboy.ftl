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

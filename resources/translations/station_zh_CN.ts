<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>ApprovalDialog</name>
    <message>
        <location filename="../../ui/approval.py" line="45"/>
        <source>Supervisor approval</source>
        <translation>审核员授权</translation>
    </message>
    <message>
        <location filename="../../ui/approval.py" line="55"/>
        <source>Supervisor login</source>
        <translation>审核员登录名</translation>
    </message>
    <message>
        <location filename="../../ui/approval.py" line="56"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../ui/approval.py" line="57"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../ui/approval.py" line="76"/>
        <source>Please give a reason.</source>
        <translation>请填写原因。</translation>
    </message>
</context>
<context>
    <name>BatchesDialog</name>
    <message>
        <location filename="../../ui/batches_dialog.py" line="43"/>
        <source>Batches for the county</source>
        <translation>批次与回执</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="46"/>
        <source>A batch without a receipt may not have reached the county. If the county says a batch is missing, select it and write it again: the file is the same, byte for byte.</source>
        <translation>没有回执的批次可能还没有送到县区。县区报告缺少某个批次时，选中它并重新写出：文件与原来的逐字节相同。</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="54"/>
        <source>No.</source>
        <translation>批次号</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="54"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="54"/>
        <source>Records</source>
        <translation>记录数</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="54"/>
        <source>Made</source>
        <translation>导出时间</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="54"/>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="64"/>
        <source>Write again…</source>
        <translation>重新写出…</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="66"/>
        <source>Send now</source>
        <translation>立即上传</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="67"/>
        <source>Send the batches without a receipt to the county</source>
        <translation>把尚无回执的批次联网发给县区</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="76"/>
        <source>Take receipts…</source>
        <translation>导入回执…</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="78"/>
        <source>Read the county&apos;s receipts (*.receipt.json) from a USB drive or a folder</source>
        <translation>从 U 盘或文件夹读入县区回执（*.receipt.json）</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="85"/>
        <source>Take them</source>
        <translation>全部导入</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="91"/>
        <source>Resync with the county…</source>
        <translation>与县区对账…</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="93"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="134"/>
        <source>%1 receipts from the county lie on the USB drive, not taken yet.</source>
        <translation>U 盘上有 %1 份县区回执尚未导入。</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="149"/>
        <source>No receipt yet</source>
        <translation>尚无回执</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="150"/>
        <source>Acknowledged</source>
        <translation>已回执</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="156"/>
        <source>Not written yet</source>
        <translation>尚未写出</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="182"/>
        <source>Sending…</source>
        <translation>正在上传…</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="205"/>
        <source>Write the batch to</source>
        <translation>把批次写到</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="215"/>
        <source>Batch #%1 was written again: %2</source>
        <translation>第 %1 号批次已重新写出：%2</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="230"/>
        <source>The county&apos;s receipts</source>
        <translation>县区回执</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="232"/>
        <source>Receipts (*.receipt.json);;All files (*)</source>
        <translation>回执 (*.receipt.json);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="245"/>
        <source>%1: stopped here. %2</source>
        <translation>%1：到此停止。%2</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="247"/>
        <source>%1: refused. %2</source>
        <translation>%1：被拒绝。%2</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="249"/>
        <source>%1: batch #%2 was acknowledged before</source>
        <translation>%1：批次 #%2 早已确认</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="254"/>
        <source>%1: batch #%2, %3 records received by the county</source>
        <translation>%1：批次 #%2，%3 条记录县区已接收</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="270"/>
        <source>The county&apos;s station state file</source>
        <translation>县区签发的报名点状态文件</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="280"/>
        <source>The station is in step with the county.</source>
        <translation>本报名点与县区一致。</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="281"/>
        <source>The county lacks batches: %1. Write them again.</source>
        <translation>县区缺少批次：%1。请重新写出并交县区。</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="285"/>
        <source>The station now continues after the county&apos;s batch #%1.</source>
        <translation>本报名点已接续县区收到的第 %1 号批次。</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="288"/>
        <source>%1 records are held by the county and marked acknowledged.</source>
        <translation>县区已持有的 %1 条记录已标记为已回执。</translation>
    </message>
    <message>
        <location filename="../../ui/batches_dialog.py" line="294"/>
        <source>The county holds candidates this station no longer has: %1</source>
        <translation>县区有、本机已没有的考生（请核对）：%1</translation>
    </message>
</context>
<context>
    <name>CandidateDialog</name>
    <message>
        <location filename="../../ui/candidate_form.py" line="674"/>
        <source>New candidate</source>
        <translation>新增考生</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_form.py" line="677"/>
        <source>Candidate %1</source>
        <translation>考生 %1</translation>
    </message>
</context>
<context>
    <name>CandidateForm</name>
    <message>
        <location filename="../../ui/candidate_form.py" line="333"/>
        <source>Applies for an allocation place</source>
        <translation>申请分配生资格</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_form.py" line="256"/>
        <source>Read ID card (F2)</source>
        <extracomment>How often the form keeps unsaved edits (milliseconds).</extracomment>
        <translation>读身份证 (F2)</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_form.py" line="259"/>
        <source>Change card fields…</source>
        <translation>修改证件信息…</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_form.py" line="262"/>
        <source>Save (Ctrl+S)</source>
        <translation>保存 (Ctrl+S)</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_form.py" line="393"/>
        <source>This record is %1 and locked. Corrections need a supervisor to unlock it.</source>
        <translation>此记录为“%1”状态，已锁定。如需更正，须由审核员解锁。</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_form.py" line="387"/>
        <source>The county rejected this record: %1. A supervisor unlocks it for correction.</source>
        <translation>县区审核未通过：%1。请由审核员解锁后更正。</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_form.py" line="445"/>
        <source>All fields are valid.</source>
        <translation>所有信息均已通过校验。</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/candidate_form.py" line="455"/>
        <source>%n problem(s) left:</source>
        <translation>
            <numerusform>还有 %n 处问题：</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/candidate_form.py" line="566"/>
        <source>Reading the ID card…</source>
        <translation>正在读取身份证…</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_form.py" line="598"/>
        <source>Name, ID number, gender, birth date and ethnicity come from the ID card.</source>
        <translation>姓名、证件号码、性别、出生日期和民族取自身份证。</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_form.py" line="612"/>
        <source>From the ID card</source>
        <translation>取自身份证</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_form.py" line="618"/>
        <source>Change fields read from the ID card</source>
        <translation>修改取自身份证的信息</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_form.py" line="629"/>
        <source>Card fields unlocked by %1.</source>
        <translation>已由 %1 授权修改证件信息。</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_form.py" line="651"/>
        <source>The candidate says these are wrong: %1</source>
        <translation>考生指出以下信息有误：%1</translation>
    </message>
</context>
<context>
    <name>CandidateView</name>
    <message>
        <location filename="../../ui/candidate_view.py" line="69"/>
        <source>Please check your information</source>
        <translation>请核对您的信息</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_view.py" line="134"/>
        <source>Step %1 of %2: is this correct?</source>
        <translation>第 %1 步 / 共 %2 步：以下信息是否正确？</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_view.py" line="169"/>
        <source>Correct</source>
        <translation>正确</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_view.py" line="170"/>
        <source>Something is wrong</source>
        <translation>有误</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_view.py" line="196"/>
        <source>Thank you. Please hand the screen back: the staff will correct: %1</source>
        <translation>谢谢。请将屏幕交还工作人员，工作人员将更正：%1</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_view.py" line="229"/>
        <source>Set your own login password. Only you should know it: the staff cannot see it, and nobody may tell you what to choose.</source>
        <translation>请设置您自己的登录密码。密码只能由您本人知道：工作人员看不到，任何人都不得要求您使用指定的密码。</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_view.py" line="248"/>
        <source>Strength %v of 4</source>
        <translation>强度 %v / 4</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_view.py" line="252"/>
        <source>Set password</source>
        <translation>设置密码</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_view.py" line="256"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_view.py" line="257"/>
        <source>Password again</source>
        <translation>再次输入密码</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_view.py" line="258"/>
        <source>Verification question</source>
        <translation>密码验证问题</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_view.py" line="259"/>
        <source>Answer</source>
        <translation>答案</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_view.py" line="260"/>
        <source>Strength</source>
        <translation>强度</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_view.py" line="322"/>
        <source>Your password is set. Please hand the screen back to the staff.</source>
        <translation>密码已设置。请将屏幕交还工作人员。</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_view.py" line="335"/>
        <source>Staff: your password</source>
        <translation>工作人员：请输入您的密码</translation>
    </message>
    <message>
        <location filename="../../ui/candidate_view.py" line="375"/>
        <source>Please hand the screen back to the staff.</source>
        <translation>请将屏幕交还工作人员。</translation>
    </message>
</context>
<context>
    <name>CaptureDialog</name>
    <message>
        <location filename="../../ui/capture.py" line="123"/>
        <source>Take photo</source>
        <translation>拍照</translation>
    </message>
    <message>
        <location filename="../../ui/capture.py" line="140"/>
        <source>Capture (Space)</source>
        <translation>拍照（空格）</translation>
    </message>
    <message>
        <location filename="../../ui/capture.py" line="143"/>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../../ui/capture.py" line="147"/>
        <source>Capture automatically after one second</source>
        <translation>合格一秒后自动拍照</translation>
    </message>
    <message>
        <location filename="../../ui/capture.py" line="150"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../ui/capture.py" line="170"/>
        <source>Starting the camera…</source>
        <translation>正在打开摄像头…</translation>
    </message>
    <message>
        <location filename="../../ui/capture.py" line="235"/>
        <source>Good: hold still</source>
        <translation>合格，请保持不动</translation>
    </message>
</context>
<context>
    <name>CrashDialog</name>
    <message>
        <location filename="../../ui/crash.py" line="68"/>
        <source>Something went wrong</source>
        <translation>程序出错</translation>
    </message>
    <message>
        <location filename="../../ui/crash.py" line="72"/>
        <source>The program met an error it did not expect (%1). What you were doing may not have finished: check it before you go on. Records saved before are safe.</source>
        <translation>程序遇到了意外错误（%1）。刚才的操作可能没有完成，请先检查再继续。此前已保存的记录不受影响。</translation>
    </message>
    <message>
        <location filename="../../ui/crash.py" line="77"/>
        <source>The details are in the log file %1. Click Copy details and send them to the person who supports this registration point.</source>
        <translation>详细信息已写入日志文件 %1。请点击“复制详细信息”，发给负责本报名点技术支持的人员。</translation>
    </message>
    <message>
        <location filename="../../ui/crash.py" line="88"/>
        <source>Copy details</source>
        <translation>复制详细信息</translation>
    </message>
    <message>
        <location filename="../../ui/crash.py" line="97"/>
        <source>Copied</source>
        <translation>已复制</translation>
    </message>
</context>
<context>
    <name>DashboardDialog</name>
    <message>
        <location filename="../../ui/dashboard.py" line="71"/>
        <source>Dashboard</source>
        <translation>督导看板</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="77"/>
        <source>Records</source>
        <translation>记录总数</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="78"/>
        <source>Still to collect</source>
        <translation>尚待采集</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="79"/>
        <source>Days left</source>
        <translation>距截止天数</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="80"/>
        <source>Needed a day</source>
        <translation>每日需完成</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="81"/>
        <source>Photos to review</source>
        <translation>待复核照片</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="82"/>
        <source>Batches without receipt</source>
        <translation>无回执批次</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="83"/>
        <source>Last export</source>
        <translation>最近导出</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="84"/>
        <source>Last backup</source>
        <translation>最近备份</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="100"/>
        <source>Daily report…</source>
        <translation>工作日报…</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="103"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="105"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="158"/>
        <source>Could not read the figures: %1</source>
        <translation>无法读取统计数据：%1</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="168"/>
        <source>Daily report</source>
        <translation>工作日报</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="187"/>
        <source>Writing the daily report…</source>
        <translation>正在生成工作日报…</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="192"/>
        <source>Daily report written: %1</source>
        <translation>工作日报已生成：%1</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="223"/>
        <source>Records by state</source>
        <translation>各状态记录数</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="231"/>
        <source>By school (collected / still to come)</source>
        <translation>各学校（已采集 / 待采集）</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="233"/>
        <source>Collected</source>
        <translation>已采集</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="234"/>
        <source>Still to come</source>
        <translation>待采集</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="236"/>
        <source>(social)</source>
        <translation>（社会考生）</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="242"/>
        <source>Records created a day</source>
        <translation>每日新建记录</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="249"/>
        <source>%1 records in “%2” for more than %3 days</source>
        <translation>%1 条记录处于“%2”已超过 %3 天</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="255"/>
        <source>Due now: %1</source>
        <translation>现在应到：%1</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="258"/>
        <source>Missed their time, records still to collect: %1</source>
        <translation>已过预约时间仍有未采集记录：%1</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="264"/>
        <source>Refused candidate passwords by school: %1</source>
        <translation>各学校考生密码未通过次数：%1</translation>
    </message>
    <message>
        <location filename="../../ui/dashboard.py" line="265"/>
        <source>Nothing waits too long.</source>
        <translation>没有积压过久的记录。</translation>
    </message>
</context>
<context>
    <name>Desk</name>
    <message>
        <location filename="../../ui/app.py" line="128"/>
        <source>Backup made: %1</source>
        <extracomment>Where automatic backups go on a plugged-in removable drive.</extracomment>
        <translation>已备份：%1</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="136"/>
        <source>The automatic backup failed: %1</source>
        <translation>自动备份失败：%1</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="211"/>
        <source>Making the logout backup…</source>
        <translation>正在备份，备份完成后退出登录…</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="255"/>
        <source>Registration station</source>
        <translation>报名点采集站</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="256"/>
        <source>There is no station in %1. Run `station init` (or `station demo`) first, or restore the station from a backup.</source>
        <translation>%1 中没有报名点。请先运行 station init（或 station demo），或从备份恢复报名点。</translation>
    </message>
    <message>
        <location filename="../../ui/app.py" line="263"/>
        <source>Restore from a backup…</source>
        <translation>从备份恢复…</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <location filename="../../ui/export_dialog.py" line="51"/>
        <source>Export for the county</source>
        <translation>导出县区上报文件</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="65"/>
        <source>Other folder…</source>
        <translation>其他文件夹…</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="73"/>
        <source>Also send to the county over the network</source>
        <translation>同时联网上传给县区</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="77"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="79"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="89"/>
        <source>Removable drive</source>
        <translation>U 盘</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="100"/>
        <source>Counting the signed records…</source>
        <translation>正在统计已签字的记录…</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="108"/>
        <source>%1 free</source>
        <translation>可用 %1</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="123"/>
        <source>%1 signed records to export, about %2.</source>
        <translation>待导出已签字记录 %1 条，约 %2。</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="133"/>
        <source>Export to folder</source>
        <translation>导出到文件夹</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="139"/>
        <source>Cannot write to %1: choose another folder.</source>
        <translation>无法写入 %1：请选择其他文件夹。</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="154"/>
        <source>No removable drive found: insert a USB drive or choose a folder.</source>
        <translation>没有找到 U 盘：请插入 U 盘或选择一个文件夹。</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="158"/>
        <source>Nothing to export: no signed records wait for the county.</source>
        <translation>没有待导出的已签字记录。</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="162"/>
        <source>Not enough room on %1: %2 free, about %3 needed. Use another drive.</source>
        <translation>%1 空间不足：剩余 %2，约需 %3。请换一个 U 盘。</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="183"/>
        <source>Writing batch files…</source>
        <translation>正在写入批次文件…</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="187"/>
        <source>Written and checked: %1</source>
        <translation>已写入并校验：%1</translation>
    </message>
    <message>
        <location filename="../../ui/export_dialog.py" line="190"/>
        <source>Sending to the county: see the status bar.</source>
        <translation>正在联网上传给县区：见窗口底部状态栏。</translation>
    </message>
</context>
<context>
    <name>HealthDialog</name>
    <message>
        <location filename="../../ui/health_dialog.py" line="39"/>
        <source>Station health</source>
        <translation>报名点健康检查</translation>
    </message>
    <message>
        <location filename="../../ui/health_dialog.py" line="43"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/health_dialog.py" line="43"/>
        <source>Check</source>
        <translation>检查项</translation>
    </message>
    <message>
        <location filename="../../ui/health_dialog.py" line="43"/>
        <source>Finding</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../ui/health_dialog.py" line="52"/>
        <source>Check again</source>
        <translation>重新检查</translation>
    </message>
    <message>
        <location filename="../../ui/health_dialog.py" line="68"/>
        <source>Checking…</source>
        <translation>正在检查…</translation>
    </message>
    <message>
        <location filename="../../ui/health_dialog.py" line="84"/>
        <source>OK</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../ui/health_dialog.py" line="85"/>
        <source>Attention</source>
        <translation>需处理</translation>
    </message>
    <message>
        <location filename="../../ui/health_dialog.py" line="86"/>
        <source>Info</source>
        <translation>信息</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/health_dialog.py" line="102"/>
        <source>%n item(s) need attention.</source>
        <translation>
            <numerusform>有 %n 项需要处理。</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../ui/health_dialog.py" line="104"/>
        <source>All is well.</source>
        <translation>一切正常。</translation>
    </message>
</context>
<context>
    <name>HistoryDialog</name>
    <message>
        <location filename="../../ui/record_actions.py" line="212"/>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="216"/>
        <source>Version %1</source>
        <translation>第 %1 版</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="230"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="230"/>
        <source>Who</source>
        <translation>操作人</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="230"/>
        <source>What</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="230"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="239"/>
        <source>Versions (changes highlighted)</source>
        <translation>各版本（变动已标出）</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="241"/>
        <source>Who did what</source>
        <translation>操作记录</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <location filename="../../ui/labels.py" line="20"/>
        <source>Collecting</source>
        <translation>采集中</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="21"/>
        <source>Awaiting review</source>
        <translation>待确认</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="22"/>
        <source>Confirmed</source>
        <translation>已确认</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="23"/>
        <source>Signed</source>
        <translation>已签字</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="24"/>
        <source>Exported</source>
        <translation>已导出</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="25"/>
        <source>Received by county</source>
        <translation>县区已接收</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="26"/>
        <source>Approved</source>
        <translation>审核通过</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="27"/>
        <source>Rejected</source>
        <translation>审核未通过</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="33"/>
        <source>Operator</source>
        <translation>采集员</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="34"/>
        <source>Supervisor</source>
        <translation>审核员</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="35"/>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="41"/>
        <source>Current student</source>
        <translation>应届</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="42"/>
        <source>Former student</source>
        <translation>往届</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="43"/>
        <source>Social candidate</source>
        <translation>社会考生</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="49"/>
        <source>Resident ID card</source>
        <translation>居民身份证</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="50"/>
        <source>HK/Macau/Taiwan residence permit</source>
        <translation>港澳台居民居住证</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="53"/>
        <source>Foreigner&apos;s permanent residence ID</source>
        <translation>外国人永久居留身份证</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="61"/>
        <source>Male</source>
        <translation>男</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="62"/>
        <source>Female</source>
        <translation>女</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="69"/>
        <source>Father</source>
        <translation>父亲</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="70"/>
        <source>Mother</source>
        <translation>母亲</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="71"/>
        <source>Grandfather (paternal)</source>
        <translation>祖父</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="72"/>
        <source>Grandmother (paternal)</source>
        <translation>祖母</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="73"/>
        <source>Grandfather (maternal)</source>
        <translation>外祖父</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="74"/>
        <source>Grandmother (maternal)</source>
        <translation>外祖母</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="75"/>
        <source>Elder brother</source>
        <translation>兄</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="76"/>
        <source>Elder sister</source>
        <translation>姐</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="77"/>
        <source>Other relative</source>
        <translation>其他亲属</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="78"/>
        <source>Other guardian</source>
        <translation>其他监护人</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="129"/>
        <source>Yes</source>
        <translation>是</translation>
    </message>
    <message>
        <location filename="../../ui/labels.py" line="130"/>
        <source>No</source>
        <translation>否</translation>
    </message>
</context>
<context>
    <name>LifecycleBar</name>
    <message>
        <location filename="../../ui/form_lifecycle.py" line="44"/>
        <source>Candidate check (F4)</source>
        <extracomment>States from which only a supervisor&apos;s unlock leads back to editing.</extracomment>
        <translation>考生核对 (F4)</translation>
    </message>
    <message>
        <location filename="../../ui/form_lifecycle.py" line="45"/>
        <source>Print form (Ctrl+P)</source>
        <translation>打印登记表 (Ctrl+P)</translation>
    </message>
    <message>
        <location filename="../../ui/form_lifecycle.py" line="46"/>
        <source>Confirm (F8)</source>
        <translation>确认 (F8)</translation>
    </message>
    <message>
        <location filename="../../ui/form_lifecycle.py" line="47"/>
        <source>Signed… (F9)</source>
        <translation>已签字… (F9)</translation>
    </message>
    <message>
        <location filename="../../ui/form_lifecycle.py" line="48"/>
        <source>Unlock…</source>
        <translation>解锁…</translation>
    </message>
    <message>
        <location filename="../../ui/form_lifecycle.py" line="49"/>
        <source>History…</source>
        <translation>修改历史…</translation>
    </message>
    <message>
        <location filename="../../ui/form_lifecycle.py" line="126"/>
        <source>checked by the candidate</source>
        <translation>考生已核对</translation>
    </message>
    <message>
        <location filename="../../ui/form_lifecycle.py" line="127"/>
        <source>password set</source>
        <translation>已设置密码</translation>
    </message>
    <message>
        <location filename="../../ui/form_lifecycle.py" line="128"/>
        <source>form printed</source>
        <translation>已打印登记表</translation>
    </message>
    <message>
        <location filename="../../ui/form_lifecycle.py" line="131"/>
        <source>Before confirming: %1</source>
        <translation>确认前须完成：%1</translation>
    </message>
    <message>
        <location filename="../../ui/form_lifecycle.py" line="202"/>
        <source>The printer %1 did not take the form: check it, or choose another.</source>
        <translation>打印机 %1 未能打印：请检查打印机，或选择另一台。</translation>
    </message>
    <message>
        <location filename="../../ui/form_lifecycle.py" line="213"/>
        <source>Printed on %1.</source>
        <translation>已在 %1 打印。</translation>
    </message>
    <message>
        <location filename="../../ui/form_lifecycle.py" line="196"/>
        <source>No printer is set up at this desk: choose one with Print…; it is remembered.</source>
        <translation>本机尚未设置打印机：请用“打印…”选择一台，下次将直接使用。</translation>
    </message>
    <message>
        <location filename="../../ui/form_lifecycle.py" line="221"/>
        <source>Registration form</source>
        <translation>考生报名登记表</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../ui/login.py" line="44"/>
        <source>Registration station — log in</source>
        <extracomment>After this long the status says why a login can take a while (the first of the day checks the database; the first after a program update also brings it up to date).</extracomment>
        <translation>报名点采集站 — 登录</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="55"/>
        <source>Login</source>
        <translation>登录名</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="56"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="60"/>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="61"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="87"/>
        <source>Opening the station database…</source>
        <translation>正在打开报名点数据库…</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="103"/>
        <source>Still opening the station database. The first login of the day checks it, and the first login after a program update also brings it up to date: this can take a minute. Do not switch the computer off.</source>
        <translation>仍在打开报名点数据库。每天第一次登录时会检查数据库，程序更新后的第一次登录还要升级数据库，可能需要一分钟左右，请不要关机。</translation>
    </message>
    <message>
        <location filename="../../ui/login.py" line="129"/>
        <source>Internal error: %1</source>
        <translation>程序内部错误：%1</translation>
    </message>
</context>
<context>
    <name>LogoutWarning</name>
    <message>
        <location filename="../../ui/inactivity.py" line="31"/>
        <source>Logging out soon</source>
        <translation>即将自动退出</translation>
    </message>
    <message numerus="yes">
        <location filename="../../ui/inactivity.py" line="39"/>
        <source>No input for a while: logging out in %n second(s). Touch any key to stay.</source>
        <translation>
            <numerusform>长时间无操作：%n 秒后自动退出登录。按任意键继续使用。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../ui/main_window.py" line="65"/>
        <location filename="../../ui/main_window.py" line="159"/>
        <source>Registration station</source>
        <extracomment>How often the desk looks for a card placed on a reader it can watch (milliseconds).</extracomment>
        <translation>报名点采集站</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="161"/>
        <source>[DEMO]</source>
        <translation>[演示]</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="70"/>
        <source>Search: name, pinyin initials (zs), ID number or registration no. (Ctrl+F)</source>
        <translation>查找：姓名、拼音首字母（如 zs）、证件号码或报名号 (Ctrl+F)</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="76"/>
        <source>All states</source>
        <translation>全部状态</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="115"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="117"/>
        <location filename="../../ui/main_window.py" line="319"/>
        <source>School</source>
        <translation>毕业学校</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="187"/>
        <source>Database check</source>
        <translation>数据库检查</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="227"/>
        <source>Actions</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="231"/>
        <source>New candidate</source>
        <translation>新增考生</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="234"/>
        <source>Read ID card</source>
        <translation>读身份证</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="237"/>
        <source>Find</source>
        <translation>查找</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="238"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="240"/>
        <location filename="../../ui/main_window.py" line="515"/>
        <source>Import roster</source>
        <translation>导入花名册</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="243"/>
        <location filename="../../ui/main_window.py" line="549"/>
        <source>Export roster</source>
        <translation>导出花名册</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="246"/>
        <location filename="../../ui/main_window.py" line="574"/>
        <source>Roster template</source>
        <translation>花名册模板</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="249"/>
        <source>Export for county</source>
        <translation>导出上报文件</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="252"/>
        <location filename="../../ui/main_window.py" line="685"/>
        <source>Check a paper form</source>
        <translation>核验纸质登记表</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="254"/>
        <source>Batches</source>
        <translation>批次与回执</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="258"/>
        <source>Password refusals</source>
        <translation>密码拒绝统计</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="260"/>
        <source>Health</source>
        <translation>健康检查</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="261"/>
        <source>Dashboard</source>
        <translation>督导看板</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="262"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="263"/>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="264"/>
        <source>Log out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="305"/>
        <source>Refused candidate passwords by school</source>
        <translation>各学校考生密码被拒绝次数</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="309"/>
        <source>Same as another candidate&apos;s</source>
        <translation>与他人密码相同</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="310"/>
        <source>Same format as several others</source>
        <translation>与多人格式相同</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="311"/>
        <source>Same question and answer as several others</source>
        <translation>与多名考生验证问题和答案相同</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="312"/>
        <source>Too easy to guess</source>
        <translation>太易猜测</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="313"/>
        <source>Own ID or phone digits</source>
        <translation>含本人证件/电话数字</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="314"/>
        <source>Too short</source>
        <translation>太短</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="315"/>
        <source>Entries differ</source>
        <translation>两次不一致</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="316"/>
        <source>No question</source>
        <translation>未选问题</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="317"/>
        <source>No answer</source>
        <translation>未填答案</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="321"/>
        <source>(no school)</source>
        <translation>（无学校）</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="369"/>
        <source>All schools</source>
        <translation>全部学校</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="379"/>
        <source>Operator: %1 (%2)    Shown: %3 of %4 candidates</source>
        <translation>操作员：%1（%2）    显示 %3 / 共 %4 名考生</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="464"/>
        <source>This ID number is already registered here: its record is opened.</source>
        <translation>此证件号码已在本报名点登记，已为您打开原记录。</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="522"/>
        <source>Checking the roster…</source>
        <translation>正在检查花名册…</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="536"/>
        <source>Importing the roster…</source>
        <translation>正在导入花名册…</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="563"/>
        <source>Exported %1 candidates to %2.</source>
        <translation>已导出 %1 名考生到 %2。</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="569"/>
        <source>Exporting…</source>
        <translation>正在导出…</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="586"/>
        <source>Template written to %1.</source>
        <translation>模板已保存到 %1。</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="624"/>
        <source>intact, %1 events</source>
        <translation>完好，共 %1 条</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="626"/>
        <source>broken at event %1: tell the supervisor</source>
        <translation>从第 %1 条起不完整：请报告负责人</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="632"/>
        <source>The station was not closed properly last time (power cut or crash). Checked on opening: every table but the photos: intact (the photos are checked again before the next export); the audit chain: %1.</source>
        <translation>上次没有正常退出（断电或程序中断）。打开时已检查：除照片外的全部数据：完好（照片在下次导出前重新检查）；审计链：%1。</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="639"/>
        <source>Unsaved edits from %1 were kept. Open them to go on?</source>
        <translation>已保留 %1 时尚未保存的录入内容。打开继续录入吗？</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="647"/>
        <source>After an unclean stop</source>
        <translation>异常退出之后</translation>
    </message>
    <message>
        <location filename="../../ui/main_window.py" line="687"/>
        <source>Scan the QR code of the printed form</source>
        <translation>请扫描纸质登记表上的二维码</translation>
    </message>
</context>
<context>
    <name>Operations</name>
    <message>
        <location filename="../../ui/operations.py" line="136"/>
        <source>Could not finish</source>
        <extracomment>Operations started and not yet reported back (their work may still use the store).</extracomment>
        <translation>操作未完成</translation>
    </message>
    <message>
        <location filename="../../ui/operations.py" line="201"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>OperatorMirror</name>
    <message>
        <location filename="../../ui/candidate_view.py" line="394"/>
        <source>Candidate is typing:</source>
        <translation>考生正在输入：</translation>
    </message>
</context>
<context>
    <name>PhotoPanel</name>
    <message>
        <location filename="../../ui/form_photo.py" line="44"/>
        <source>No photo</source>
        <translation>暂无照片</translation>
    </message>
    <message>
        <location filename="../../ui/form_photo.py" line="45"/>
        <source>Take photo (F3)</source>
        <translation>拍照 (F3)</translation>
    </message>
    <message>
        <location filename="../../ui/form_photo.py" line="48"/>
        <source>Photo from file…</source>
        <translation>从文件导入照片…</translation>
    </message>
    <message>
        <location filename="../../ui/form_photo.py" line="54"/>
        <source>Photo checked…</source>
        <translation>照片已核实…</translation>
    </message>
    <message>
        <location filename="../../ui/form_photo.py" line="110"/>
        <source>The photo is stored when the record is saved.</source>
        <translation>保存记录时一并保存照片。</translation>
    </message>
    <message>
        <location filename="../../ui/form_photo.py" line="124"/>
        <source>Save the record first, then import its photo.</source>
        <translation>请先保存记录，再导入照片。</translation>
    </message>
    <message>
        <location filename="../../ui/form_photo.py" line="128"/>
        <source>Photo from file</source>
        <translation>从文件导入照片</translation>
    </message>
    <message>
        <location filename="../../ui/form_photo.py" line="139"/>
        <source>Store a photo from a file instead of the camera</source>
        <translation>以文件照片代替现场拍照</translation>
    </message>
</context>
<context>
    <name>PrintPreview</name>
    <message>
        <location filename="../../ui/record_actions.py" line="68"/>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="70"/>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>QueueModel</name>
    <message>
        <location filename="../../ui/queue_model.py" line="152"/>
        <source>Yes</source>
        <translation>有</translation>
    </message>
    <message>
        <location filename="../../ui/queue_model.py" line="152"/>
        <source>No</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../ui/queue_model.py" line="160"/>
        <source>Registration no.</source>
        <translation>报名号</translation>
    </message>
    <message>
        <location filename="../../ui/queue_model.py" line="161"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../ui/queue_model.py" line="162"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../ui/queue_model.py" line="163"/>
        <source>ID number</source>
        <translation>证件号码</translation>
    </message>
    <message>
        <location filename="../../ui/queue_model.py" line="164"/>
        <source>School</source>
        <translation>毕业学校</translation>
    </message>
    <message>
        <location filename="../../ui/queue_model.py" line="165"/>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
</context>
<context>
    <name>RestoreDialog</name>
    <message>
        <location filename="../../ui/restore_dialog.py" line="38"/>
        <source>Restore from a backup</source>
        <translation>从备份恢复</translation>
    </message>
    <message>
        <location filename="../../ui/restore_dialog.py" line="40"/>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <location filename="../../ui/restore_dialog.py" line="47"/>
        <source>Replace the station in this folder (it is kept aside, not deleted)</source>
        <translation>替换此目录中的报名点（原数据另存，不删除）</translation>
    </message>
    <message>
        <location filename="../../ui/restore_dialog.py" line="60"/>
        <location filename="../../ui/restore_dialog.py" line="90"/>
        <source>Backup file</source>
        <translation>备份文件</translation>
    </message>
    <message>
        <location filename="../../ui/restore_dialog.py" line="61"/>
        <source>Login at the time</source>
        <translation>备份时的登录名</translation>
    </message>
    <message>
        <location filename="../../ui/restore_dialog.py" line="62"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../ui/restore_dialog.py" line="65"/>
        <source>Any account that was valid when the backup was made opens it, or the recovery code with the login __recovery__.</source>
        <translation>备份当时有效的任何账号都能打开它；也可以用恢复码，登录名填 __recovery__。</translation>
    </message>
    <message>
        <location filename="../../ui/restore_dialog.py" line="73"/>
        <source>Restore</source>
        <translation>恢复</translation>
    </message>
    <message>
        <location filename="../../ui/restore_dialog.py" line="90"/>
        <source>Station backups (*.zkbackup)</source>
        <translation>报名点备份 (*.zkbackup)</translation>
    </message>
    <message>
        <location filename="../../ui/restore_dialog.py" line="109"/>
        <source>Checking the whole backup…</source>
        <translation>正在校验整个备份…</translation>
    </message>
    <message>
        <location filename="../../ui/restore_dialog.py" line="121"/>
        <source>Station %1 restored from the backup of %2.</source>
        <translation>已从 %2 的备份恢复报名点 %1。</translation>
    </message>
</context>
<context>
    <name>Roster</name>
    <message>
        <location filename="../../ui/roster_dialog.py" line="127"/>
        <source>Imported %1 candidates; %2 were already here; %3 rows were not imported.</source>
        <translation>已导入 %1 名考生；%2 名已存在；%3 行未导入。</translation>
    </message>
    <message>
        <location filename="../../ui/roster_dialog.py" line="135"/>
        <source>The import was cancelled; the rows before it are stored.</source>
        <translation>导入已取消；取消前的行已保存。</translation>
    </message>
</context>
<context>
    <name>RosterPreview</name>
    <message>
        <location filename="../../ui/roster_dialog.py" line="38"/>
        <source>Roster import: preview</source>
        <translation>花名册导入：预览</translation>
    </message>
    <message>
        <location filename="../../ui/roster_dialog.py" line="42"/>
        <source>%1 rows in sheet “%2”: %3 can be imported, %4 are already here, %5 conflict with stored records, %6 have errors.</source>
        <translation>工作表“%2”共 %1 行：可导入 %3 行，已存在 %4 行，与已有记录冲突 %5 行，有错误 %6 行。</translation>
    </message>
    <message>
        <location filename="../../ui/roster_dialog.py" line="56"/>
        <source>Row</source>
        <translation>行号</translation>
    </message>
    <message>
        <location filename="../../ui/roster_dialog.py" line="56"/>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <location filename="../../ui/roster_dialog.py" line="56"/>
        <source>Column</source>
        <translation>列</translation>
    </message>
    <message>
        <location filename="../../ui/roster_dialog.py" line="56"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <location filename="../../ui/roster_dialog.py" line="64"/>
        <source>Whole file</source>
        <translation>整个文件</translation>
    </message>
    <message>
        <location filename="../../ui/roster_dialog.py" line="70"/>
        <source>Import %1 rows</source>
        <translation>导入 %1 行</translation>
    </message>
    <message>
        <location filename="../../ui/roster_dialog.py" line="74"/>
        <source>Save errors workbook…</source>
        <translation>保存错误明细…</translation>
    </message>
    <message>
        <location filename="../../ui/roster_dialog.py" line="91"/>
        <source>Save errors workbook</source>
        <translation>保存错误明细</translation>
    </message>
    <message>
        <location filename="../../ui/roster_dialog.py" line="100"/>
        <source>Errors saved</source>
        <translation>错误明细已保存</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <location filename="../../ui/settings_dialog.py" line="34"/>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="42"/>
        <source>None (type the card&apos;s data)</source>
        <translation>无（手工录入证件信息）</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="43"/>
        <source>Demo reader</source>
        <translation>演示读卡器</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="52"/>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="53"/>
        <source>Demo pictures</source>
        <translation>演示图片</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="55"/>
        <source>Camera %1</source>
        <translation>摄像头 %1</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="63"/>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="73"/>
        <source>Install county key…</source>
        <translation>安装县区公钥…</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="84"/>
        <location filename="../../ui/settings_dialog.py" line="201"/>
        <source>Not set: batches go to the county on a USB drive.</source>
        <translation>未设置：批次用 U 盘交县区。</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="86"/>
        <source>Set: %1</source>
        <translation>已设置：%1</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="88"/>
        <source>Check and set…</source>
        <translation>核对并设置…</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="95"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="96"/>
        <source>ID-card reader</source>
        <translation>身份证阅读器</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="97"/>
        <source>Camera</source>
        <translation>摄像头</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="98"/>
        <source>Camera resolution</source>
        <translation>摄像头分辨率</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="99"/>
        <source>Log out after no input for</source>
        <translation>无操作自动退出时间</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="100"/>
        <location filename="../../ui/settings_dialog.py" line="128"/>
        <source>County key</source>
        <translation>县区公钥</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="102"/>
        <source>County intake (upload)</source>
        <translation>县区接收服务（联网上传）</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="116"/>
        <source>Not installed: batches cannot be exported yet.</source>
        <translation>尚未安装：暂不能导出批次文件。</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="118"/>
        <source>Confirm this fingerprint with the county by phone.</source>
        <translation>请与县区电话核对此指纹。</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="157"/>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="168"/>
        <source>County intake</source>
        <translation>县区接收服务</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="170"/>
        <source>The server&apos;s certificate fingerprint is:

%1

Read it out to the county by phone. Is it the one the county gave?</source>
        <translation>服务器证书指纹：

%1

请与县区电话逐组核对。是否与县区告知的一致？</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="183"/>
        <source>Not saved: check the address with the county.</source>
        <translation>未保存：请与县区核对地址和指纹。</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="199"/>
        <source>Set: %1 (county %2)</source>
        <translation>已设置：%1（县区 %2）</translation>
    </message>
    <message>
        <location filename="../../ui/settings_dialog.py" line="207"/>
        <source>Not set.</source>
        <translation>未设置。</translation>
    </message>
</context>
<context>
    <name>SignDialog</name>
    <message>
        <location filename="../../ui/record_actions.py" line="105"/>
        <source>Signed paper form</source>
        <translation>纸质登记表签字确认</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="107"/>
        <source>The candidate and the guardian have signed the printed form</source>
        <translation>考生及其监护人已在打印的登记表上签字</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="117"/>
        <source>Archive box</source>
        <translation>存档盒号</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="118"/>
        <source>Page</source>
        <translation>页码</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="132"/>
        <source>Only sign here once both signatures are on the paper.</source>
        <translation>请在考生和监护人都已在纸质表上签字后再确认。</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="135"/>
        <source>Where is the paper archived? Box and page are required.</source>
        <translation>纸质表存放在哪里？请填写盒号和页码。</translation>
    </message>
</context>
<context>
    <name>StepBar</name>
    <message>
        <location filename="../../ui/step_bar.py" line="43"/>
        <source>Data</source>
        <extracomment>States in which the record is past confirmation / past signing.</extracomment>
        <translation>资料</translation>
    </message>
    <message>
        <location filename="../../ui/step_bar.py" line="44"/>
        <source>Photo</source>
        <translation>照片</translation>
    </message>
    <message>
        <location filename="../../ui/step_bar.py" line="45"/>
        <source>Candidate check</source>
        <translation>考生核对</translation>
    </message>
    <message>
        <location filename="../../ui/step_bar.py" line="46"/>
        <source>Print</source>
        <translation>打印</translation>
    </message>
    <message>
        <location filename="../../ui/step_bar.py" line="47"/>
        <source>Confirm</source>
        <translation>确认</translation>
    </message>
    <message>
        <location filename="../../ui/step_bar.py" line="48"/>
        <source>Sign</source>
        <translation>签字</translation>
    </message>
    <message>
        <location filename="../../ui/step_bar.py" line="49"/>
        <source>Next candidate</source>
        <translation>下一位考生</translation>
    </message>
    <message>
        <location filename="../../ui/step_bar.py" line="93"/>
        <source>%n problem(s) in the fields</source>
        <translation>还有 %n 处问题</translation>
    </message>
    <message>
        <location filename="../../ui/step_bar.py" line="95"/>
        <source>save the record with its photo first</source>
        <translation>请先保存资料并采集照片</translation>
    </message>
    <message>
        <location filename="../../ui/step_bar.py" line="97"/>
        <source>the record is not complete yet</source>
        <translation>资料或照片尚未完成</translation>
    </message>
    <message>
        <location filename="../../ui/step_bar.py" line="99"/>
        <source>print the form first</source>
        <translation>请先打印登记表</translation>
    </message>
    <message>
        <location filename="../../ui/step_bar.py" line="101"/>
        <source>rejected by the county: a supervisor unlocks it</source>
        <translation>县区审核未通过：须由审核员解锁</translation>
    </message>
    <message>
        <location filename="../../ui/step_bar.py" line="151"/>
        <source>Next: %1 (%2)</source>
        <translation>下一步：%1（%2）</translation>
    </message>
</context>
<context>
    <name>UnlockDialog</name>
    <message>
        <location filename="../../ui/record_actions.py" line="155"/>
        <source>Unlock for correction</source>
        <translation>解锁更正</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="166"/>
        <source>The printed form becomes void: the record must be checked, printed and signed again.</source>
        <translation>原打印的登记表作废：记录须重新核对、打印并签字。</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="172"/>
        <source>Supervisor login</source>
        <translation>审核员登录名</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="173"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../ui/record_actions.py" line="174"/>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
</context>
<context>
    <name>UploadStatus</name>
    <message>
        <location filename="../../ui/upload_status.py" line="60"/>
        <source>Upload: waiting</source>
        <extracomment>How often a desk with nothing waiting looks for new batches to send (a store read; the network is used only when there is something to send). The first look after the login: after the warm-up, not competing with it. Emitted after each run with the core&apos;s report (sync.upload.Report).</extracomment>
        <translation>联网上传：等待中</translation>
    </message>
    <message>
        <location filename="../../ui/upload_status.py" line="61"/>
        <source>Click to send the batches to the county now</source>
        <translation>点击立即把批次上传给县区</translation>
    </message>
    <message>
        <location filename="../../ui/upload_status.py" line="63"/>
        <source>Upload: not set up (USB)</source>
        <translation>联网上传：未设置（用 U 盘）</translation>
    </message>
    <message>
        <location filename="../../ui/upload_status.py" line="65"/>
        <source>The administrator sets the county&apos;s address: station intake set</source>
        <translation>由管理员设置县区接收服务地址（设置 → 县区接收服务，或 station intake set）</translation>
    </message>
    <message>
        <location filename="../../ui/upload_status.py" line="82"/>
        <source>Upload: connecting…</source>
        <translation>联网上传：正在连接…</translation>
    </message>
    <message>
        <location filename="../../ui/upload_status.py" line="89"/>
        <source>Upload: sending %1 of %2</source>
        <translation>联网上传：正在发送第 %1 个，共 %2 个</translation>
    </message>
    <message>
        <location filename="../../ui/upload_status.py" line="105"/>
        <source>Upload refused: %1</source>
        <translation>县区拒收：%1</translation>
    </message>
    <message>
        <location filename="../../ui/upload_status.py" line="110"/>
        <source>Upload: all acknowledged</source>
        <translation>联网上传：全部已有回执</translation>
    </message>
    <message>
        <location filename="../../ui/upload_status.py" line="112"/>
        <source>Upload: nothing waiting</source>
        <translation>联网上传：没有待上传的批次</translation>
    </message>
    <message>
        <location filename="../../ui/upload_status.py" line="118"/>
        <source>Upload: offline, %1 waiting</source>
        <translation>联网上传：离线，%1 个批次等待上传</translation>
    </message>
    <message>
        <location filename="../../ui/upload_status.py" line="133"/>
        <source>Upload stopped: %1</source>
        <translation>联网上传已停止：%1</translation>
    </message>
</context>
</TS>

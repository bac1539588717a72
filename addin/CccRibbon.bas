Attribute VB_Name = "CccRibbon"
' The one callback of the "100 Chances" ribbon tab (addin/customUI.xml): it hands the id of the
' clicked button to Python, where ccc_xl.excel.BUTTONS maps every id to its command.
'
' RunPython is the xlwings module embedded in this add-in (taken from xlwings' own
' quickstart_addin_ribbon.xlam, with PROJECT_NAME = "ccc_xl"), not the separate xlwings.xlam
' reached by Application.Run: advisers install one add-in instead of two, a missing or
' outdated xlwings.xlam cannot break the buttons, and on Windows RunPython only starts
' "python -c", so the interpreter written by `ccc-xl addin install` in
' %USERPROFILE%\.ccc_xl\ccc_xl.conf is the whole set-up.
Option Explicit

Public Sub OnButton(control As IRibbonControl)
    RunButton control.Id
End Sub

' The ribbon's code path with the button id as a string: `ccc-xl diagnostic --excel` calls it
' through Application.Run to press each button of a test copy of the demo workbook.
Public Sub RunButton(controlId As String)
    If ActiveWorkbook Is Nothing Then
        MsgBox "Ouvrez d'abord le classeur 100 Chances, puis cliquez de nouveau sur le bouton.", _
               vbInformation, "100 Chances"
        Exit Sub
    End If
    ' The id goes into a Python string literal on a command line: only ids like ours get through.
    If Not (controlId Like "ccc*") Or InStr(controlId, "'") > 0 Or InStr(controlId, Chr(34)) > 0 _
       Or InStr(controlId, "\") > 0 Then Exit Sub
    RunPython "import ccc_xl.excel; ccc_xl.excel.run_button('" & controlId & "')"
End Sub
